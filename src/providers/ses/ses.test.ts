import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { PermanentProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';
import type { Provider } from '../provider.js';
import { describeProviderConformance, type Scenario, testMessage } from '../testing/conformance.js';
import { type RecordedRequest, type StandInReply, StandInServer } from '../testing/stand-in.js';
import { amzDate, encodeDisplayName, sendEmailUrl, SesProviderFactory } from './ses.js';

const factory = new SesProviderFactory();
const ACCESS_KEY_ID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

/** An SES v2 error as AWS sends it: the type in `x-amzn-ErrorType`, `{ message }` in the body. */
function awsError(status: number, type: string, message: string, headers: Record<string, string> = {}): StandInReply {
  return {
    status,
    headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`, ...headers },
    body: { message },
  };
}

/** SES's documented replies (SendEmail reference and the AWS common errors). */
function sesReply(scenario: Scenario): StandInReply {
  switch (scenario) {
    case 'success':
      return { status: 200, body: { MessageId: '010001870a2b3c4d-11111111-2222-3333-4444-555555555555-000000' } };
    case 'unauthorized':
      return awsError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    case 'invalid_request':
      return awsError(400, 'MessageRejected', 'Email address is not verified. The following identities failed the check in region EU-WEST-1: sender@example.com');
    case 'rate_limited':
      // SES sends no Retry-After (or any rate-limit header).
      return awsError(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
    case 'server_error':
      return awsError(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.');
    case 'hang':
      return 'hang';
  }
}

describeProviderConformance({
  factory,
  message: () => testMessage({ channel: 'email', to: 'rcpt@example.com' }),
  start: async () => {
    let scenario: Scenario = 'success';
    const stand = await StandInServer.start(() => sesReply(scenario));
    return {
      options: {
        region: 'eu-west-1',
        accessKeyId: ACCESS_KEY_ID,
        secretAccessKey: SECRET,
        from: 'sender@example.com',
        baseUrl: stand.url,
        timeoutMs: 5000,
      },
      secrets: [SECRET],
      use: (next) => {
        scenario = next;
      },
      close: () => stand.close(),
    };
  },
  invalidOptions: [
    { options: { region: 'Europe', accessKeyId: 'a', secretAccessKey: 's' }, path: 'region' },
    { options: { region: 'eu-west-1', accessKeyId: 'a' }, path: 'secretAccessKey' },
    { options: { region: 'eu-west-1', secretAccessKey: 's' }, path: 'accessKeyId' },
  ],
  retryAfterMs: undefined,
});

/** Recomputes a SigV4 signature from the request as received, independently of aws4fetch. */
function expectedSignature(request: RecordedRequest, signedHeaders: string[], datetime: string, region: string, secret: string): string {
  const hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(request.headers[name]).trim()}\n`).join('');
  const [path, query = ''] = request.url.split('?');
  const canonicalRequest = [request.method, path, query, canonicalHeaders, signedHeaders.join(';'), hex(request.body)].join('\n');
  const scope = `${datetime.slice(0, 8)}/${region}/ses/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', datetime, scope, hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, datetime.slice(0, 8)), region), 'ses'), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

describe('ses provider', () => {
  const now = Date.parse('2030-01-02T03:04:05.678Z');
  const clock = { now: () => now };
  let stand: StandInServer;
  let provider: Provider;

  async function start(reply: StandInReply, options: Record<string, unknown> = {}): Promise<void> {
    stand = await StandInServer.start(() => reply);
    const parsed = factory.optionsSchema.parse({
      region: 'eu-west-1',
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET,
      from: 'Acme <hello@acme.test>',
      baseUrl: stand.url,
      ...options,
    });
    provider = factory.create(parsed, { name: 'mail', logger: silentLogger, clock });
  }

  afterEach(async () => {
    await provider.close?.();
    await stand.close();
  });

  const signal = () => AbortSignal.timeout(2000);
  const send = (overrides: Partial<Parameters<typeof testMessage>[0]> = {}) =>
    provider.send(testMessage({ channel: 'email', to: 'rcpt@example.com', ...overrides }), { signal: signal() });

  it('posts the SendEmail request SES documents', async () => {
    await start(sesReply('success'));
    const result = await send({ content: { subject: 'Grüße', text: 'Plain body', html: '<p>HTML body</p>' } });
    expect(result).toEqual({ providerMessageId: '010001870a2b3c4d-11111111-2222-3333-4444-555555555555-000000' });
    const request = stand.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v2/email/outbound-emails');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-amz-date']).toBe('20300102T030405Z');
    expect(JSON.parse(request.body)).toEqual({
      FromEmailAddress: 'Acme <hello@acme.test>',
      Destination: { ToAddresses: ['rcpt@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Grüße', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Plain body', Charset: 'UTF-8' }, Html: { Data: '<p>HTML body</p>', Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('signs with SigV4 for service ses, verified by an independent HMAC chain', async () => {
    await start(sesReply('success'));
    await send();
    const request = stand.last();
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/ses\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      String(request.headers.authorization),
    );
    expect(match).not.toBeNull();
    const [, keyId, date, region, signedHeaderList, signature] = match as unknown as string[];
    expect(keyId).toBe(ACCESS_KEY_ID);
    expect(date).toBe('20300102');
    expect(region).toBe('eu-west-1');
    const signedHeaders = (signedHeaderList as string).split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date']));
    expect(signature).toBe(expectedSignature(request, signedHeaders, amzDate(now), 'eu-west-1', SECRET));
  });

  it('sends the session token of temporary credentials, and keeps it out of errors', async () => {
    const token = 'FwoGZXIvYXdzEXAMPLETOKEN//////////';
    await start(awsError(403, 'InvalidSignatureException', `The canonical request was ... x-amz-security-token:${token}`), { sessionToken: token });
    const error = (await send().catch((e: unknown) => e)) as PermanentProviderError;
    expect(stand.last().headers['x-amz-security-token']).toBe(token);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(token);
    expect(error.vendor.code).toBe('InvalidSignatureException');
  });

  it('defaults the endpoint to the regional SES host', () => {
    const options = factory.optionsSchema.parse({ region: 'ap-southeast-2', accessKeyId: 'a', secretAccessKey: 's' });
    expect(sendEmailUrl(options)).toBe('https://email.ap-southeast-2.amazonaws.com/v2/email/outbound-emails');
    expect(sendEmailUrl({ region: 'eu-west-1', baseUrl: 'http://127.0.0.1:4566/' })).toBe('http://127.0.0.1:4566/v2/email/outbound-emails');
  });

  it("uses the message's own from, and fails permanently without any", async () => {
    await start(sesReply('success'), { from: undefined });
    await send({ from: 'ops@acme.test' });
    expect(JSON.parse(stand.last().body).FromEmailAddress).toBe('ops@acme.test');
    const error = await send().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect((error as PermanentProviderError).vendor.code).toBe('missing_from');
    expect(stand.requests).toHaveLength(1);
  });

  it('reads the error type from the header or from __type, and the message', async () => {
    await start({ status: 400, body: { __type: 'com.amazonaws.sesv2#AccountSuspendedException', message: 'Account suspended' } });
    const error = (await send().catch((e: unknown) => e)) as PermanentProviderError;
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.vendor).toEqual({ status: 400, code: 'AccountSuspendedException', message: 'Account suspended' });
  });

  it('treats ThrottlingException as rate-limited although it comes as 400', async () => {
    await start(awsError(400, 'ThrottlingException', 'Rate exceeded'));
    const error = (await send().catch((e: unknown) => e)) as RateLimitedProviderError;
    expect(error).toBeInstanceOf(RateLimitedProviderError);
    expect(error.vendor).toEqual({ status: 400, code: 'ThrottlingException', message: 'Rate exceeded' });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('honours a Retry-After should SES send one', async () => {
    await start(awsError(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.', { 'retry-after': '3' }));
    const error = (await send().catch((e: unknown) => e)) as RateLimitedProviderError;
    expect(error).toBeInstanceOf(RateLimitedProviderError);
    expect(error.retryAfterMs).toBe(3000);
  });

  it('maps 503 ServiceUnavailable to retryable', async () => {
    await start(awsError(503, 'ServiceUnavailable', 'Service unavailable'));
    const error = (await send().catch((e: unknown) => e)) as RetryableProviderError;
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(error.vendor.code).toBe('ServiceUnavailable');
  });
});

describe('encodeDisplayName', () => {
  it('encodes a non-ASCII display name and leaves the rest alone', () => {
    expect(encodeDisplayName('Zoë Café <hello@acme.test>')).toBe(`=?UTF-8?B?${Buffer.from('Zoë Café').toString('base64')}?= <hello@acme.test>`);
    expect(encodeDisplayName('Acme <hello@acme.test>')).toBe('Acme <hello@acme.test>');
    expect(encodeDisplayName('hello@acme.test')).toBe('hello@acme.test');
  });
});
