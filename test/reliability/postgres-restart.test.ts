import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { message, pause, run, Scenario } from './harness.js';

const version = readdirSync('/etc/postgresql')[0] ?? '15';

describe('PostgreSQL restarted while workers record outcomes', () => {
  let scenario: Scenario;
  afterEach(() => scenario.cleanup());

  it('loses nothing: outcomes wait for the database, refused sends were not accepted', async () => {
    scenario = await Scenario.create('PostgreSQL restart while recording outcomes', 'postgres');
    await scenario.start('scheduler');
    await scenario.start('worker');
    const sending = scenario.sendStream(2_000, 250, message);
    await pause(3_000);
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart', '-m', 'fast']);
    await sending;
    await scenario.waitForDeliveries(120_000);
    const counts = scenario.counts();
    const result = scenario.finish(
      `${scenario.rejectedSends} sends were refused while the database restarted (their callers got an error; they are not counted as accepted). ${counts.duplicates} duplicates: a delivery whose outcome could not be written before the worker gave up on the database goes back to the queue, and is sent again (at most the worker's prefetch, 100, at a time)`,
    );
    expect(result.accepted + scenario.rejectedSends).toBe(2_000);
    expect(result.accepted).toBeGreaterThan(1_000);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBeLessThanOrEqual(2 * 100);
  });
});
