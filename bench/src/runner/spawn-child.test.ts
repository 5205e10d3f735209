import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITES } from '../config/sizes.js';
import { RESULT_MARKER } from './protocol.js';
import { runChild } from './spawn-child.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-child-'));
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}
const spec = {
  system: 'x',
  scenario: 'immediate' as const,
  runId: 'r1',
  sizes: SUITES.quick,
  urls: { amqp: '', postgres: '', redis: '' },
};

describe('runChild', () => {
  it('collects the outcome line and passes the spec', async () => {
    const path = script(
      'ok.mjs',
      `const spec = JSON.parse(process.argv[2]);
       console.log('library chatter');
       console.log(${JSON.stringify(RESULT_MARKER)} + JSON.stringify({ ok: true, metrics: null, warnings: [spec.runId] }));`,
    );
    const result = await runChild(spec, 10_000, { script: path });
    expect(result.outcome).toEqual({ ok: true, metrics: null, warnings: ['r1'] });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
  });

  it('keeps the error output of a child that crashes', async () => {
    const path = script('crash.mjs', `console.error('boom: connection refused'); process.exit(3);`);
    const result = await runChild(spec, 10_000, { script: path });
    expect(result.outcome).toBeNull();
    expect(result.exitCode).toBe(3);
    expect(result.outputTail).toContain('boom: connection refused');
  });

  it('stops a child that hangs, killing it if it ignores SIGTERM', async () => {
    const path = script('hang.mjs', `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);`);
    const result = await runChild(spec, 300, { script: path, killGraceMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.wallMs).toBeLessThan(5_000);
  });
});
