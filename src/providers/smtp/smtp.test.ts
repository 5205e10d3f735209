import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, type ProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import type { OutgoingMessage, Provider } from '../provider.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { messageIdFor, type SmtpMail, SmtpProvider, SmtpProviderFactory, type SmtpTransportLike } from './smtp.js';
import { type SmtpBehaviour, SmtpStandIn } from './testing/smtp-stand-in.js';

const factory = new SmtpProviderFactory();
const credentials = { user: 'missive', pass: 'smtp-pass-5ecret' };

const BEHAVIOUR: Record<Scenario, SmtpBehaviour> = {
  success: 'accept',
  unauthorized: 'bad_credentials',
  invalid_request: 'reject_recipient',
  rate_limited: 'rate_limit',
  server_error: 'server_error',
  hang: 'hang',
};

describeProviderConformance({
  factory,
  message: () => testMessage({ channel: 'email', to: 'rcpt@example.com' }),
  start: async () => {
    const stand = await SmtpStandIn.start(credentials);
    return {
      options: { host: '127.0.0.1', port: stand.port, secure: false, ...credentials, from: 'sender@example.com', timeoutMs: 5000, maxConnections: 2 },
      secrets: [credentials.pass],
      use: (scenario) => {
        stand.behaviour = BEHAVIOUR[scenario];
      },
      close: () => stand.close(),
    };
  },
  invalidOptions: [
    { options: { port: 25 }, path: 'host' },
    { options: { host: 'smtp.example.com', port: 0 }, path: 'port' },
    { options: { host: 'smtp.example.com', user: 'u' }, path: 'pass' },
  ],
  // SMTP has no Retry-After: a 421 4.7.x is rate-limited and the caller's backoff decides the wait.
  retryAfterMs: undefined,
});

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  return (await promise.then(
    () => expect.fail('the send must fail'),
    (error: unknown) => error,
  )) as ProviderError;
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 2000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

describe('smtp provider against a real SMTP server', () => {
  let stand: SmtpStandIn;
  let provider: Provider;

  async function start(options: Record<string, unknown> = {}): Promise<void> {
    stand = await SmtpStandIn.start(credentials);
    const parsed = factory.optionsSchema.parse({ host: '127.0.0.1', port: stand.port, ...credentials, from: 'Acme <hello@acme.test>', ...options });
    provider = factory.create(parsed, { name: 'mail', logger: silentLogger, clock: { now: () => 0 } });
  }

  afterEach(async () => {
    await provider.close?.();
    await stand.close();
  });

  const email = (overrides: Partial<OutgoingMessage> = {}) =>
    testMessage({ channel: 'email', to: 'rcpt@example.com', content: { subject: 'Your invoice', text: 'Plain body', html: '<p>HTML body</p>' }, ...overrides });
  const signal = () => AbortSignal.timeout(3000);

  it('delivers from, to, subject and both bodies, with a Message-ID derived from the idempotency key', async () => {
    await start();
    const result = await provider.send(email({ idempotencyKey: 'batch-1:7' }), { signal: signal() });
    expect(result.providerMessageId).toBe(messageIdFor('batch-1:7', 'hello@acme.test'));
    expect(stand.received).toHaveLength(1);
    const [mail] = stand.received;
    expect(mail).toMatchObject({ user: 'missive', from: 'hello@acme.test', to: ['rcpt@example.com'] });
    expect(mail?.data).toMatch(/^From: Acme <hello@acme\.test>\r?$/m);
    expect(mail?.data).toMatch(/^To: rcpt@example\.com\r?$/m);
    expect(mail?.data).toMatch(/^Subject: Your invoice\r?$/m);
    expect(mail?.data).toContain(`Message-ID: ${result.providerMessageId}`);
    expect(mail?.data).toContain('Plain body');
    expect(mail?.data).toContain('<p>HTML body</p>');
  });

  it("uses the message's own from, and fails permanently without any", async () => {
    await start({ from: undefined });
    await provider.send(email({ from: 'ops@acme.test' }), { signal: signal() });
    expect(stand.received[0]?.from).toBe('ops@acme.test');
    const error = await failure(provider.send(email(), { signal: signal() }));
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor.code).toBe('missing_from');
  });

  it('sends over one pooled connection', async () => {
    await start();
    await provider.send(email(), { signal: signal() });
    await provider.send(email({ id: 'second' }), { signal: signal() });
    expect(stand.received).toHaveLength(2);
    expect(stand.sessionsOpened).toBe(1);
  });

  it('maps a rejected recipient (550) to a permanent error with the reply', async () => {
    await start();
    stand.behaviour = 'reject_recipient';
    const error = await failure(provider.send(email(), { signal: signal() }));
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor).toEqual({ status: 550, code: '5.1.1', message: '550 5.1.1 <rcpt@example.com>: mailbox unavailable' });
  });

  it('maps bad credentials (535) to a permanent error that never shows the password', async () => {
    await start({ pass: 'wrong-password-123' });
    const error = await failure(provider.send(email(), { signal: signal() }));
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor.status).toBe(535);
    expect(error.message).toContain('refused the credentials');
    const everything = `${error.message} ${JSON.stringify(error)} ${inspect(error, { depth: 10 })}`;
    expect(everything).not.toContain('wrong-password-123');
    expect(everything).not.toContain(Buffer.from('\0missive\0wrong-password-123').toString('base64'));
  });

  it('maps a 421 4.7.x (too many messages) to rate-limited, with no Retry-After to report', async () => {
    await start();
    stand.behaviour = 'rate_limit';
    const error = await failure(provider.send(email(), { signal: signal() }));
    expect(error).toBeInstanceOf(RateLimitedProviderError);
    expect(error.vendor.status).toBe(421);
    expect((error as RateLimitedProviderError).retryAfterMs).toBeUndefined();
  });

  it('maps a connection dropped mid-session to retryable', async () => {
    await start();
    stand.behaviour = 'drop';
    const error = await failure(provider.send(email(), { signal: signal() }));
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(error.vendor.code).toBe('ECONNECTION');
  });

  it('maps a refused connection to retryable', async () => {
    await start();
    const port = stand.port;
    await stand.close();
    stand = await SmtpStandIn.start(credentials);
    const refused = factory.create(factory.optionsSchema.parse({ host: '127.0.0.1', port, ...credentials, from: 'a@acme.test' }), {
      name: 'refused',
      logger: silentLogger,
      clock: { now: () => 0 },
    });
    const error = await failure(refused.send(email(), { signal: signal() }));
    await refused.close?.();
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(error.vendor.code).toBe('ECONNREFUSED');
  });

  it('gives up on a hung server after timeoutMs and closes the connection', async () => {
    await start({ timeoutMs: 300 });
    stand.behaviour = 'hang';
    const started = Date.now();
    const error = await failure(provider.send(email(), { signal: AbortSignal.timeout(10_000) }));
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(error.vendor.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually(() => stand.openConnections === 0, 'the hung connection to close');
  });

  it('gives up on a server that never greets', async () => {
    await start({ timeoutMs: 300 });
    stand.behaviour = 'hang_greeting';
    const error = await failure(provider.send(email(), { signal: AbortSignal.timeout(10_000) }));
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(error.vendor.code).toBe('timeout');
  });

  it('keeps working after an aborted send', async () => {
    await start();
    stand.behaviour = 'hang';
    await failure(provider.send(email(), { signal: AbortSignal.timeout(100) }));
    stand.behaviour = 'accept';
    await provider.send(email({ id: 'after' }), { signal: signal() });
    expect(stand.received).toHaveLength(1);
  });

  it('closes its connections on close()', async () => {
    await start();
    await provider.send(email(), { signal: signal() });
    expect(stand.openConnections).toBe(1);
    await provider.close?.();
    await eventually(() => stand.openConnections === 0, 'the pooled connection to close');
  });
});

describe('smtp provider with a stuck transport', () => {
  const options = factory.optionsSchema.parse({ host: 'smtp.example.com', from: 'a@acme.test', timeoutMs: 5000 });

  /** A transport whose sends settle only when told to. */
  function fakeTransports(settleOnAbort: boolean) {
    const made: { closes: ({ force?: boolean } | undefined)[]; mails: SmtpMail[] }[] = [];
    const create = (): SmtpTransportLike => {
      const record = { closes: [] as ({ force?: boolean } | undefined)[], mails: [] as SmtpMail[] };
      made.push(record);
      return {
        sendMail: (mail) => {
          record.mails.push(mail);
          return new Promise((_resolve, reject) => {
            if (settleOnAbort) mail.signal.addEventListener('abort', () => reject(new Error('aborted')));
          });
        },
        close: (closeOptions) => void record.closes.push(closeOptions),
      };
    };
    return { made, create };
  }

  it('returns at once on abort, and replaces a transport whose send never settles', async () => {
    vi.useFakeTimers();
    try {
      const { made, create } = fakeTransports(false);
      const provider = new SmtpProvider('mail', options, create, silentLogger, 50);
      const controller = new AbortController();
      const sending = provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: controller.signal });
      controller.abort(new Error('shutting down'));
      const error = await failure(sending);
      expect(error).toBeInstanceOf(RetryableProviderError);
      expect(error.vendor.code).toBe('timeout');
      expect(made).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(60);
      expect(made).toHaveLength(2);
      expect(made[0]?.closes).toEqual([{ force: true }]);
      await provider.close();
      expect(made[1]?.closes).toEqual([undefined]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the transport when the aborted send settles', async () => {
    vi.useFakeTimers();
    try {
      const { made, create } = fakeTransports(true);
      const provider = new SmtpProvider('mail', options, create, silentLogger, 50);
      const controller = new AbortController();
      const sending = provider.send(testMessage({ channel: 'email', to: 'r@example.com' }), { signal: controller.signal });
      controller.abort();
      expect(await failure(sending)).toBeInstanceOf(RetryableProviderError);
      await vi.advanceTimersByTimeAsync(60);
      expect(made).toHaveLength(1);
      expect(made[0]?.closes).toEqual([]);
      expect(made[0]?.mails[0]).toMatchObject({ from: 'a@acme.test', to: 'r@example.com', subject: 'Hello', text: 'Hello there' });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('messageIdFor', () => {
  it('is stable per idempotency key and uses the sender domain', () => {
    expect(messageIdFor('k1', 'Acme <hello@acme.test>')).toBe(messageIdFor('k1', 'other@acme.test'));
    expect(messageIdFor('k1', 'a@acme.test')).not.toBe(messageIdFor('k2', 'a@acme.test'));
    expect(messageIdFor('k1', 'a@acme.test')).toMatch(/^<[0-9a-f]{32}\.missive@acme\.test>$/);
    expect(messageIdFor('k1', 'no-domain')).toMatch(/@missive\.invalid>$/);
  });
});
