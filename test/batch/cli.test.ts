import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchView } from '../../src/batch/view.js';
import { readOutbox } from '../support/missive.js';
import { writeConfig } from '../support/process.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';
import { runMissive as runBatchCli, spawnMissive } from '../support/process.js';

describe('missive batch (command line)', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let dir: string;
  let outbox: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'missive-batch-cli-'));
    outbox = join(dir, 'outbox.jsonl');
    env = { MISSIVE_CONFIG: writeConfig({ providers: { inbox: { type: 'outbox', path: outbox } } }), MISSIVE_DATABASE_URL: database.url };
    writeFileSync(join(dir, 'template.json'), JSON.stringify({ channel: 'email', subject: 'Hi {{ name }}', text: 'Hello {{ name }}' }));
    const rows = ['to,name', 'a@example.com,Ann', 'nope,Bob', 'c@example.com', 'd@example.com,Dee', 'e@example.com,Eve'];
    writeFileSync(join(dir, 'recipients.csv'), `${rows.join('\n')}\n`);
  });

  afterAll(async () => database.drop());

  const file = (name: string) => join(dir, name);

  it('creates a batch from files, reporting skipped rows by line; --strict refuses it whole', async () => {
    const created = await runBatchCli(['batch', 'create', '--template', file('template.json'), '--recipients', file('recipients.csv')], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^batch \w{26} created: 3 items, 2 rows skipped\n/);
    expect(created.stdout).toContain('line 3: to: must be an email address');
    expect(created.stdout).toContain('line 4: has 1 field; the header has 2');

    const strict = await runBatchCli(['batch', 'create', '--template', file('template.json'), '--recipients', file('recipients.csv'), '--strict', '--json'], env);
    expect(strict.code).toBe(2);
    expect(strict.stdout).toBe('');
    expect(strict.output).toContain('line 3: to: must be an email address');
  });

  it('runs a batch in the foreground, then shows its status and items; exit codes follow the outcome', async () => {
    const created = await runBatchCli(['batch', 'create', '--template', file('template.json'), '--recipients', file('recipients.csv'), '--json'], env);
    const batch = JSON.parse(created.stdout) as BatchView & { rowErrors: { line: number }[] };
    expect(batch).toMatchObject({ status: 'pending', total: 3, skipped: 2, pending: 3, sent: 0, failed: 0, reason: null });
    expect(batch.rowErrors.map((error) => error.line)).toEqual([3, 4]);

    const run = await runBatchCli(['batch', 'run', batch.id], env);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain(`${batch.id}  completed`);
    const delivered = readOutbox(outbox).filter((line) => line.batchId === batch.id);
    expect(delivered.map((line) => [line.item, line.idempotencyKey, line.to, line.content.subject])).toEqual([
      [1, `${batch.id}:1`, 'a@example.com', 'Hi Ann'],
      [2, `${batch.id}:2`, 'd@example.com', 'Hi Dee'],
      [3, `${batch.id}:3`, 'e@example.com', 'Hi Eve'],
    ]);

    const [status, items, pause] = await Promise.all([
      runBatchCli(['batch', 'status', batch.id, '--json'], env),
      runBatchCli(['batch', 'items', batch.id, '--status', 'sent', '--json'], env),
      runBatchCli(['batch', 'pause', batch.id], env),
    ]);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: batch.id, status: 'completed', reason: null, total: 3, pending: 0, sent: 3, failed: 0 });
    const lines = items.stdout.trim().split('\n').map((line) => JSON.parse(line) as { item: number; status: string; line: number });
    expect(lines.map((item) => [item.item, item.line, item.status])).toEqual([
      [1, 2, 'sent'],
      [2, 5, 'sent'],
      [3, 6, 'sent'],
    ]);
    expect(pause.code).toBe(1);
    expect(pause.output).toContain(`cannot pause batch ${batch.id}: it is completed`);
  });

  it('ends quietly with exit 0 when the reader of its output goes away (`batch items … | head`)', async () => {
    const rows = ['to,name', ...Array.from({ length: 3_000 }, (_, i) => `r${i}@example.com,Name ${i}`)];
    writeFileSync(join(dir, 'many.csv'), `${rows.join('\n')}\n`);
    const created = await runBatchCli(['batch', 'create', '--template', file('template.json'), '--recipients', file('many.csv'), '--in', '1h', '--json'], env);
    const { id } = JSON.parse(created.stdout) as BatchView;
    for (const flags of [['--json'], []]) {
      const child = spawnMissive(['batch', 'items', id, ...flags], { MISSIVE_LOG_LEVEL: 'warn', ...env });
      // Like `| head -1`: read the first chunk, then close the pipe.
      child.child.stdout?.once('data', () => child.child.stdout?.destroy());
      expect(await child.exited, child.output()).toBe(0);
      expect(child.output()).not.toMatch(/EPIPE|Error/);
    }
  });

  it('schedules, cancels, and refuses bad usage with exit code 2', async () => {
    const created = await runBatchCli(
      ['batch', 'create', '--template', file('template.json'), '--recipients', file('recipients.csv'), '--in', '5m', '--concurrency', '3', '--no-auto-resume', '--json'],
      env,
    );
    const batch = JSON.parse(created.stdout) as BatchView;
    expect(batch).toMatchObject({ status: 'pending', concurrency: 3, autoResume: false });
    expect(Date.parse(batch.startAt ?? '') - Date.now()).toBeGreaterThan(4 * 60_000);

    const [cancel, badFlags] = await Promise.all([
      runBatchCli(['batch', 'cancel', batch.id], env),
      runBatchCli(['batch', 'create', '--template', file('template.json'), '--recipients', file('missing.csv'), '--concurrency', 'lots'], env),
    ]);
    expect([cancel.code, cancel.stdout]).toEqual([0, `${batch.id} cancelled\n`]);
    expect(badFlags.code).toBe(2);
    expect(badFlags.output).toContain('--recipients: cannot read');
    expect(badFlags.output).toContain('--concurrency: must be a whole number, got "lots"');

    const run = await runBatchCli(['batch', 'run', batch.id], env);
    expect(run.code).toBe(1);
    expect(run.output).toContain(`batch ${batch.id} is cancelled`);
  });
});
