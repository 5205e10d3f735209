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
    const result = scenario.finish(
      `${scenario.rejectedSends} sends were refused while the database restarted (their callers got an error; they are not counted as accepted); workers retried their writes until it was back`,
    );
    expect(result.accepted + scenario.rejectedSends).toBe(2_000);
    expect(result.accepted).toBeGreaterThan(1_000);
    expect(result.lost).toBe(0);
  });
});
