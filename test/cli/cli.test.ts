import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandInServer } from '../../src/providers/testing/stand-in.js';
import { startTestMissive, type TestMissive } from '../support/missive.js';
import { runMissive, spawnMissive, writeConfig } from '../support/process.js';
import { TEST_AMQP_URL, UNREACHABLE_AMQP_URL } from '../support/rabbitmq.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// Each test spawns several `missive` processes, each taking seconds to start on a busy machine.
describe('the missive command line', { timeout: 120_000 }, () => {
  let hooks: StandInServer;
  let missive: TestMissive;
  let env: Record<string, string>;
  let providers: Record<string, unknown>;

  beforeAll(async () => {
    hooks = await StandInServer.start(() => ({ status: 200, body: {} }));
    providers = { hooks: { type: 'webhook', secret: SECRET, allowPrivateNetworks: true }, inbox: { type: 'outbox', path: '/tmp/missive-cli-outbox.jsonl' } };
    // The worker runs in the test process; the CLI processes share its database and queues.
    missive = await startTestMissive('sqlite', { config: { providers } });
    env = {
      MISSIVE_CONFIG: writeConfig({ providers }),
      MISSIVE_DATABASE_URL: missive.database.url,
      MISSIVE_AMQP_URL: TEST_AMQP_URL,
      MISSIVE_AMQP_PREFIX: missive.prefix,
    };
  });

  afterAll(async () => {
    await missive?.destroy();
    await hooks?.close();
  });

  const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

  it('sends a signed webhook and shows it delivered', async () => {
    const sent = await runMissive(['send', '--channel', 'webhook', '--to', `${hooks.url}/hook`, '--data', '{"a":1}', '--json'], env);
    expect(sent.code).toBe(0);
    const { id, status } = json(sent.stdout);
    expect(status).toBe('queued');
    await expect.poll(() => hooks.requests.length, { timeout: 10_000 }).toBe(1);
    const request = hooks.last();
    expect(request.body).toBe('{"a":1}');
    const signed = `${String(id)}.${String(request.headers['webhook-timestamp'])}.${request.body}`;
    const expected = createHmac('sha256', Buffer.from(SECRET.slice(6), 'base64')).update(signed).digest('base64');
    expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
    await expect
      .poll(async () => json((await runMissive(['status', String(id), '--json'], env)).stdout).status, { timeout: 10_000 })
      .toBe('delivered');
    const view = json((await runMissive(['status', String(id), '--json'], env)).stdout);
    expect(view).toMatchObject({ id, channel: 'webhook', attempts: 1, provider: 'hooks', lastError: null });
    expect(Array.isArray(view.history)).toBe(true);
  });

  it('exits 2 naming the flag for bad input, and 1 for a refused operation', async () => {
    const bad = await runMissive(['send', '--channel', 'email', '--to', 'nope', '--text', 'x'], env);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--to: must be an email address');
    const noOffset = await runMissive(['send', '--channel', 'sms', '--to', '+14155550100', '--text', 'x', '--at', '2030-01-01T10:00:00'], env);
    expect(noOffset.code).toBe(2);
    expect(noOffset.output).toContain('--at');
    const unknownFlag = await runMissive(['send', '--channel', 'sms', '--bogus'], env);
    expect(unknownFlag.code).toBe(2);

    const sent = json((await runMissive(['send', '--channel', 'chat', '--to', '#ops', '--text', 'now', '--provider', 'inbox', '--json'], env)).stdout);
    await expect.poll(async () => (await missive.runtime.store.getMessage(String(sent.id)))?.status, { timeout: 10_000 }).toBe('delivered');
    const cancel = await runMissive(['cancel', String(sent.id)], env);
    expect(cancel.code).toBe(1);
    expect(cancel.output).toContain('already dispatched');
    expect((await runMissive(['status', '01NOTTHERE'], env)).code).toBe(1);
  });

  it('stores a message while RabbitMQ is unreachable, says so, exits 0, and the relay publishes it later', async () => {
    const offline = { ...env, MISSIVE_AMQP_URL: UNREACHABLE_AMQP_URL, MISSIVE_CONFIG: writeConfig({ providers, scheduler: { relayAfterMs: 500, lookAheadMs: 100 } }) };
    const human = await runMissive(['send', '--channel', 'chat', '--to', '#ops', '--text', 'offline', '--provider', 'inbox'], offline);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^\w{26} queued\n$/);
    expect(human.output).toContain('RabbitMQ is unreachable; the message is stored and will be published once RabbitMQ is reachable and a scheduler runs');
    const sent = await runMissive(['send', '--channel', 'chat', '--to', '#ops', '--text', 'offline too', '--provider', 'inbox', '--json'], offline);
    expect(sent.code).toBe(0);
    const receipt = json(sent.stdout);
    expect(receipt).toEqual({ id: expect.any(String), status: 'queued', published: false });
    // The scheduler in the test process reaches RabbitMQ: it relays the stored row.
    await expect.poll(async () => (await missive.runtime.store.getMessage(String(receipt.id)))?.status, { timeout: 10_000 }).toBe('delivered');
    expect(json((await runMissive(['send', '--channel', 'chat', '--to', '#ops', '--text', 'online', '--provider', 'inbox', '--json'], env)).stdout)).toMatchObject({ published: true });
  });

  it('schedules with --in, then cancels and refuses a second cancel', async () => {
    const sent = json((await runMissive(['send', '--channel', 'chat', '--to', '#ops', '--text', 'later', '--provider', 'inbox', '--in', '1h', '--json'], env)).stdout);
    expect(sent.status).toBe('scheduled');
    const view = json((await runMissive(['status', String(sent.id), '--json'], env)).stdout);
    expect(Date.parse(String(view.scheduledAt)) - Date.now()).toBeGreaterThan(3_500_000);
    expect((await runMissive(['reschedule', String(sent.id), '--in', '2h'], env)).code).toBe(0);
    expect((await runMissive(['cancel', String(sent.id)], env)).code).toBe(0);
    const again = await runMissive(['cancel', String(sent.id)], env);
    expect(again.code).toBe(1);
    expect(again.output).toContain('cancelled');
  });

  it('lists providers with secrets redacted', async () => {
    const listed = await runMissive(['providers', '--json'], env);
    expect(listed.code).toBe(0);
    expect(listed.output).not.toContain(SECRET);
    const report = json(listed.stdout) as { instances: { name: string; options: Record<string, unknown> }[] };
    expect(report.instances.find((i) => i.name === 'hooks')?.options.secret).toBe('[REDACTED]');
    const text = await runMissive(['providers'], env);
    expect(text.code).toBe(0);
    // Every registered type, used by an instance or not.
    expect(text.stdout).toContain('provider types:');
    expect(text.stdout).toMatch(/^ {2}discord +chat /m);
    expect(text.stdout).toMatch(/^ {2}log +email, sms, webhook, chat /m);
  });

  it('names --provider when no configured provider of that name can send', async () => {
    const sent = await runMissive(['send', '--channel', 'chat', '--to', '#ops', '--text', 'x', '--provider', 'nosuch'], env);
    expect(sent.code).toBe(2);
    expect(sent.output).toContain('--provider: no configured provider "nosuch" can send chat');
    expect(sent.output).not.toContain('error while closing');
  });

  it('refuses a bad provider configuration at start-up of every command, with exit 2', async () => {
    const bad = { ...env, MISSIVE_CONFIG: writeConfig({ providers: { mail: { type: 'sendgird' } } }) };
    const commands = [['scheduler'], ['status', '01NOTTHERE']];
    const runs = await Promise.all(commands.map((args) => runMissive(args, bad)));
    for (const [i, run] of runs.entries()) {
      expect(run.code, commands[i]?.join(' ')).toBe(2);
      expect(run.output).toContain('providers.mail.type: unknown provider type "sendgird"');
      expect(run.output).not.toContain('missive is running');
      expect(run.output).not.toContain('error while closing');
    }
  });

  it('does not create a SQLite database for commands that only read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'missive-nodb-'));
    const path = join(dir, 'typo', 'missive.db');
    const missing = { ...env, MISSIVE_DATABASE_URL: `sqlite:${path}` };
    const commands = [['status', '01NOTTHERE'], ['providers'], ['dlq', 'list']];
    const runs = await Promise.all(commands.map((args) => runMissive(args, missing)));
    for (const [i, run] of runs.entries()) {
      expect(run.code, commands[i]?.join(' ')).toBe(1);
      expect(run.output).toContain(`no database at ${path}; start Missive or run missive migrate first`);
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
    expect((await runMissive(['migrate'], missing)).code).toBe(0);
    expect(existsSync(path)).toBe(true);
    expect((await runMissive(['dlq', 'list', '--json'], missing)).code).toBe(0);
  });

  it('stops a worker gracefully on SIGTERM with exit code 0', async () => {
    const worker = spawnMissive(['worker'], env);
    await expect.poll(() => worker.output(), { timeout: 15_000 }).toContain('missive is running');
    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('stopped');
  });
});
