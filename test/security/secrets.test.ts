import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandInServer } from '../../src/providers/testing/stand-in.js';
import { type MissiveProcess, runMissive, spawnMissive, writeConfig } from '../support/process.js';
import { deleteTopology, TEST_AMQP_URL, uniquePrefix } from '../support/rabbitmq.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const SECRETS = {
  sendgrid: 'SG.sendgrid-secret-key-123456',
  webhook: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  twilio: 'twilio-secret-auth-token-987',
  smtp: 'smtp-secret-password-555',
  slack: '/services/T000/B000/slack-secret-path',
  apiKey: 'api-key-secret-abcdef',
  database: 'db-password-secret-xyz',
  webhookHeader: 'Bearer hdr-secret-123',
  plugin: 'plugin-credential-secret-456',
  pluginUrlPassword: 'plugin-url-password-789',
  mailgun: 'mailgun-secret-key-246',
  vonage: 'vonage-secret-api-135',
  ses: 'ses-secret-access-key-864',
  discord: 'discord-secret-webhook-token-975',
  amqp: 'amqp-secret-password-000',
};

const PLUGIN = resolve(import.meta.dirname, '../fixtures/plugins/credential-sms.mjs');

describe('secrets never leave the process', () => {
  let vendor: StandInServer;
  let database: TestDatabase;
  let prefix: string;
  let missive: MissiveProcess;
  let env: Record<string, string>;
  const outputs: string[] = [];

  beforeAll(async () => {
    // A careless vendor that echoes the credentials it was sent in its error bodies.
    vendor = await StandInServer.start((request) => ({
      status: request.url.includes('/2010-04-01/') ? 500 : 401,
      body: { message: `rejected credentials: ${String(request.headers.authorization)} ${request.body}`, code: 20003 },
    }));
    database = await createTestDatabase('postgres');
    prefix = uniquePrefix('secrets');
    const url = new URL(database.url);
    url.password = SECRETS.database;
    const config = {
      providers: {
        sendgrid: { type: 'sendgrid', apiKey: SECRETS.sendgrid, from: 'me@example.com', baseUrl: vendor.url },
        hooks: { type: 'webhook', secret: SECRETS.webhook, allowPrivateNetworks: true, headers: { Authorization: SECRETS.webhookHeader } },
        twilio: { type: 'twilio', accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: SECRETS.twilio, from: '+15005550006', baseUrl: vendor.url },
        smtp: { type: 'smtp', host: '127.0.0.1', port: 1, user: 'mailer', pass: SECRETS.smtp, from: 'me@example.com', timeoutMs: 1000 },
        slack: { type: 'slack', webhookUrl: `${vendor.url}${SECRETS.slack}` },
        careless: { type: 'credential-sms', credential: SECRETS.plugin, baseUrl: `https://user:${SECRETS.pluginUrlPassword}@sms.vendor.test/` },
        mailgun: { type: 'mailgun', apiKey: SECRETS.mailgun, domain: 'mg.example.com', from: 'me@example.com', baseUrl: vendor.url },
        vonage: { type: 'vonage', apiKey: 'vonage-key', apiSecret: SECRETS.vonage, from: 'Missive', baseUrl: vendor.url },
        ses: { type: 'ses', region: 'eu-west-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRETS.ses, from: 'me@example.com', baseUrl: vendor.url },
        discord: { type: 'discord', webhookUrl: `https://discord.com/api/webhooks/123/${SECRETS.discord}`, baseUrl: vendor.url },
      },
      plugins: [PLUGIN],
      delivery: { retry: { baseMs: 50, capMs: 100, maxAttempts: 2 } },
    };
    env = {
      MISSIVE_CONFIG: writeConfig(config),
      MISSIVE_DATABASE_URL: url.toString(),
      MISSIVE_AMQP_URL: TEST_AMQP_URL,
      MISSIVE_AMQP_PREFIX: prefix,
      MISSIVE_API_KEYS: SECRETS.apiKey,
      MISSIVE_LOG_LEVEL: 'debug',
    };
    missive = spawnMissive(['start'], env);
    const deadline = Date.now() + 30_000;
    while (!missive.output().includes('missive is running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    missive?.kill('SIGKILL');
    await vendor?.close();
    await database?.drop();
    await deleteTopology(prefix);
  });

  it('in logs, errors, status output, the API and metrics, whatever fails', async () => {
    const api = JSON.parse(missive.output().split('\n').find((line) => line.includes('missive is running')) ?? '{}').api as string;
    const auth = { authorization: `Bearer ${SECRETS.apiKey}`, 'content-type': 'application/json' };
    const sends = [
      { channel: 'email', to: 'a@example.com', subject: 's', text: 't', provider: 'sendgrid' },
      { channel: 'email', to: 'a@example.com', subject: 's', text: 't', provider: 'smtp' },
      { channel: 'sms', to: '+14155550100', text: 't', provider: 'twilio' },
      { channel: 'webhook', to: `${vendor.url}/hook`, data: { a: 1 }, provider: 'hooks' },
      { channel: 'chat', to: '#ops', text: 't', provider: 'slack' },
      { channel: 'sms', to: '+14155550100', text: 't', provider: 'careless' },
      { channel: 'email', to: 'a@example.com', subject: 's', text: 't', provider: 'mailgun' },
      { channel: 'sms', to: '+14155550100', text: 't', provider: 'vonage' },
      { channel: 'email', to: 'a@example.com', subject: 's', text: 't', provider: 'ses' },
      { channel: 'chat', to: 'ops', text: 't', provider: 'discord' },
    ];
    // A RabbitMQ URL with a password that cannot connect: the CLI reports it, never the password.
    // A worker must reach RabbitMQ: it gives up after its start-up wait, naming the URL (masked).
    const unreachable = runMissive(['worker'], {
      ...env,
      MISSIVE_AMQP_URL: `amqp://guest:${SECRETS.amqp}@127.0.0.1:1`,
    });
    const ids: string[] = [];
    for (const message of sends) {
      const response = await fetch(`${api}/v1/messages`, { method: 'POST', headers: auth, body: JSON.stringify(message) });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }
    // Let every attempt fail and be retried and dead-lettered.
    await expect
      .poll(
        async () => {
          const states = await Promise.all(ids.map(async (id) => ((await (await fetch(`${api}/v1/messages/${id}`, { headers: auth })).json()) as { status: string }).status));
          return states.every((state) => state === 'failed' || state === 'dead');
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    for (const id of ids) outputs.push(await (await fetch(`${api}/v1/messages/${id}`, { headers: auth })).text());
    // Two CLI processes at a time: each takes seconds to start on a busy machine.
    const commands = [...ids.map((id) => ['status', id, '--json']), ['providers'], ['dlq', 'list', '--json'], ['send', '--channel', 'email', '--to', 'bad', '--text', 'x']];
    for (let i = 0; i < commands.length; i += 2) {
      for (const run of await Promise.all(commands.slice(i, i + 2).map((args) => runMissive(args, env)))) outputs.push(run.output);
    }
    for (const path of ['/v1/providers', '/v1/dead-letters', '/metrics', '/readyz', '/docs/openapi.json']) {
      outputs.push(await (await fetch(`${api}${path}`, { headers: auth })).text());
    }
    outputs.push(await (await fetch(`${api}/v1/messages`, { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: '{}' })).text());
    const unreached = await unreachable;
    expect(unreached.code).toBe(1);
    expect(unreached.output).toContain('cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:1');
    expect(unreached.output).not.toContain('error while closing');
    outputs.push(unreached.output);
    const listed = await runMissive(['providers', '--json'], env);
    outputs.push(listed.output);
    const report = JSON.parse(listed.stdout) as { instances: { name: string; options: Record<string, unknown> }[] };
    const optionsOf = (name: string) => report.instances.find((instance) => instance.name === name)?.options;
    expect(optionsOf('hooks')?.headers).toEqual({ Authorization: '[REDACTED]' });
    expect(optionsOf('careless')).toEqual({ credential: '[REDACTED]', baseUrl: 'https://user:***@sms.vendor.test/' });
    missive.kill('SIGTERM');
    await missive.exited;
    outputs.push(missive.output());

    const everything = outputs.join('\n');
    expect(everything).toContain('[REDACTED]'); // the scrubbing did happen somewhere
    expect(missive.output()).toContain('sending with [REDACTED]'); // the plugin's own log line, scrubbed
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(everything.includes(secret), `the ${name} secret leaked`).toBe(false);
    }
    expect(everything).not.toMatch(/postgres:\/\/root:[^*[]/);
  }, 180_000);
});
