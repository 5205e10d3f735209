import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMachineBusyTicks, parseProcStat, readProcStats, serviceTicks } from './proc-stat.js';
import type { ProcStat } from './proc-stat.js';

/** A stat line with the given fields; the rest are zeros like a real line's unused ones. */
function statLine(pid: number, comm: string, ppid: number, utime: number, stime: number, cutime = 0, cstime = 0): string {
  const after = ['S', ppid, 1, 1, 0, -1, 4194304, 100, 0, 0, 0, utime, stime, cutime, cstime, 20, 0, 1, 0, 5000];
  return `${pid} (${comm}) ${after.join(' ')}`;
}

function stat(pid: number, comm: string, ppid: number, own: number, reaped = 0): ProcStat {
  return { pid, comm, ppid, ownTicks: own, reapedChildTicks: reaped };
}

describe('parseProcStat', () => {
  it('reads pid, comm, ppid and CPU ticks', () => {
    expect(parseProcStat(statLine(2936, 'beam.smp', 1, 558, 524, 3, 4))).toEqual(stat(2936, 'beam.smp', 1, 1082, 7));
  });

  it('copes with spaces and parentheses inside comm', () => {
    expect(parseProcStat(statLine(7, 'odd ) name', 1, 2, 3))?.comm).toBe('odd ) name');
  });

  it('rejects a malformed line', () => {
    expect(parseProcStat('garbage')).toBeNull();
    expect(parseProcStat('12 (x) S 1')).toBeNull();
  });
});

describe('serviceTicks', () => {
  it('sums own time of every process and reaped time of each root only', () => {
    const stats = [
      stat(1, 'systemd', 0, 999, 999),
      stat(100, 'postgres', 1, 10, 500), // postmaster: its reaped children are exited backends
      stat(101, 'postgres', 100, 20, 40), // a backend's reaped children would double count
      stat(200, 'beam.smp', 1, 30, 0),
      stat(300, 'redis-server', 1, 5, 2),
      stat(400, 'node', 1, 1000, 0),
    ];
    expect(serviceTicks(stats)).toEqual({ postgres: 530, rabbitmq: 30, redis: 7 });
  });

  it('counts an exited backend through the root, so the difference of snapshots stays exact', () => {
    const before = serviceTicks([stat(100, 'postgres', 1, 10, 0), stat(101, 'postgres', 100, 20)]);
    const after = serviceTicks([stat(100, 'postgres', 1, 11, 25)]); // 101 ran 5 more ticks, exited
    expect(after.postgres - before.postgres).toBe(6);
  });
});

describe('readProcStats', () => {
  it('reads the numeric entries of a proc-like folder and skips the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proc-'));
    for (const [pid, comm] of [[10, 'postgres'], [11, 'redis-server']] as const) {
      mkdirSync(join(dir, String(pid)));
      writeFileSync(join(dir, String(pid), 'stat'), statLine(pid, comm, 1, 1, 1));
    }
    mkdirSync(join(dir, 'self'));
    mkdirSync(join(dir, '12')); // vanished process: no stat file
    expect(readProcStats(dir).map((entry) => entry.comm).sort()).toEqual(['postgres', 'redis-server']);
  });
});

describe('parseMachineBusyTicks', () => {
  it('adds every busy field of the cpu line, leaving out idle and iowait', () => {
    const stat = 'cpu  281619 5 112621 309887 1808 7 4832 209 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n';
    expect(parseMachineBusyTicks(stat)).toBe(281619 + 5 + 112621 + 7 + 4832 + 209);
  });

  it('rejects anything else', () => {
    expect(parseMachineBusyTicks('intr 1 2 3')).toBeNull();
  });
});
