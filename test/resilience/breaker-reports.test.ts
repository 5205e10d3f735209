import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { providersReport } from '../../src/runtime/services/providers.js';
import { openStore } from '../../src/store/open.js';
import { SqlBreakerStore } from '../../src/store/sql-breaker-store.js';
import type { SqlMessageStore } from '../../src/store/sql-message-store.js';
import { testSettings } from '../support/missive.js';
import { uniquePrefix } from '../support/rabbitmq.js';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '../support/stores.js';

const providers = { primary: { type: 'log' }, secondary: { type: 'log' } };

describe.each(STORE_KINDS)('breaker reports hold no probe: %s', (kind) => {
  let database: TestDatabase;
  let observer: SqlMessageStore | undefined;
  const opened: Runtime[] = [];

  afterEach(async () => {
    for (const runtime of opened.splice(0)) await runtime.close();
    await observer?.close();
    observer = undefined;
    await database?.drop();
  });

  async function open(): Promise<Runtime> {
    const outbox = join(mkdtempSync(join(tmpdir(), 'missive-outbox-')), 'outbox.jsonl');
    const runtime = await Runtime.open(testSettings(database, uniquePrefix(kind), outbox, { providers }), { logger: silentLogger });
    opened.push(runtime);
    return runtime;
  }

  /** Another process opened `primary`'s circuit, whose break ended a moment ago; returns the rows as it sees them. */
  async function breakOver(): Promise<SqlBreakerStore> {
    observer = openStore(database.url, { newId: createIdGenerator(), logger: silentLogger });
    const store = new SqlBreakerStore(observer.context);
    const now = Date.now();
    await store.writeBreaker('primary', 0, { state: 'open', openedAt: now - 1_100, until: now - 100, breakMs: 1_000 }, now - 1_100);
    return store;
  }

  it('reports the shared circuits, and neither reading nor closing claims the probe', async () => {
    database = await createTestDatabase(kind);
    const runtime = await open();
    const store = await breakOver();
    const report = await providersReport(runtime);
    expect(report.instances.map((instance) => [instance.name, instance.breaker.state])).toEqual([
      ['primary', 'open'],
      ['secondary', 'closed'],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 600)); // a few rounds of a board, had one started
    opened.splice(0);
    await runtime.close();
    expect((await store.readBreakers())[0]).toMatchObject({ provider: 'primary', probeOwner: null });
    // A process that does claim it shows the circuit half-open to the next report.
    expect(await store.claimProbe('primary', 'worker-1', Date.now(), Date.now() + 30_000)).toBe(true);
    const later = await open();
    expect((await providersReport(later)).instances[0]?.breaker.state).toBe('half_open');
    // Only its holder gives a probe back.
    await store.releaseProbe('primary', 'worker-2');
    expect((await store.readBreakers())[0]?.probeOwner).toBe('worker-1');
    await store.releaseProbe('primary', 'worker-1');
    expect((await store.readBreakers())[0]).toMatchObject({ probeOwner: null, probeExpiresAt: null });
    expect((await providersReport(later)).instances[0]?.breaker.state).toBe('open');
  });

  it('keeps a send path that makes no call (a paused batch) from claiming the probe', async () => {
    database = await createTestDatabase(kind);
    const runtime = await open();
    const store = await breakOver();
    const board = runtime.breakers();
    await board.ready();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await store.readBreakers())[0]?.probeOwner).toBeNull();
    opened.splice(0);
    await runtime.close();
    expect((await store.readBreakers())[0]?.probeOwner).toBeNull();
  });
});
