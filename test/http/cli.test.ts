import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissiveClient } from '../../src/client/index.js';
import { startTestMissive, type TestMissive } from '../support/missive.js';
import { spawnMissive, writeConfig } from '../support/process.js';
import { TEST_AMQP_URL } from '../support/rabbitmq.js';

const KEY = 'cli-key-c3d8e1f0';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('missive serve and missive worker', () => {
  let missive: TestMissive;
  let env: Record<string, string>;

  beforeAll(async () => {
    // No roles in the test process: the child processes do the work on its database and queues.
    const providers = { inbox: { type: 'outbox', path: '/dev/null' } };
    missive = await startTestMissive('sqlite', { roles: [], config: { providers } });
    env = {
      MISSIVE_CONFIG: writeConfig({ providers }),
      MISSIVE_DATABASE_URL: missive.database.url,
      MISSIVE_AMQP_URL: TEST_AMQP_URL,
      MISSIVE_AMQP_PREFIX: missive.prefix,
      MISSIVE_API_KEYS: KEY,
    };
  });
  afterAll(async () => {
    await missive?.destroy();
  });

  it('serve: accepts messages over HTTP with a key, reports them in /metrics, and stops on SIGTERM', async () => {
    const port = await freePort();
    const serve = spawnMissive(['serve'], { ...env, PORT: String(port) });
    try {
      const client = new MissiveClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY });
      await expect.poll(() => client.health().then((h) => h.status, () => 'down'), { timeout: 20_000 }).toBe('ok');
      const receipt = await client.sendMessage({ channel: 'chat', to: '#ops', text: 'over http' });
      expect((await client.getMessage(receipt.id)).status).toBe('queued');
      expect(await client.metrics()).toContain('missive_messages_accepted_total{channel="chat",mode="immediate"} 1');
      expect((await fetch(`http://127.0.0.1:${port}/v1/providers`)).status).toBe(401);
    } finally {
      serve.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toContain('stopped');
    expect(serve.output()).not.toContain(KEY);
  });

  it('worker: serves /healthz, /readyz and /metrics on PORT while it delivers', async () => {
    const port = await freePort();
    const worker = spawnMissive(['worker'], { ...env, PORT: String(port) });
    try {
      const ops = new MissiveClient({ baseUrl: `http://127.0.0.1:${port}` });
      await expect.poll(() => ops.ready().then((r) => r.ready, () => false), { timeout: 20_000 }).toBe(true);
      const { id } = await (await missive.runtime.producer()).send({ channel: 'sms', to: '+14155550100', text: 'to the worker' });
      await expect.poll(async () => (await missive.runtime.store.getMessage(id))?.status, { timeout: 10_000 }).toBe('delivered');
      expect(await ops.metrics()).toContain('missive_messages_delivered_total{channel="sms",provider="inbox"} 1');
      expect(await ops.metrics()).toContain('missive_breaker_state{provider="inbox"} 0');
      expect((await fetch(`http://127.0.0.1:${port}/v1/providers`)).status).toBe(404);
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
  });
});
