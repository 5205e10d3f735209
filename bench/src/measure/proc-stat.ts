import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { SERVICE_NAMES } from '../systems/system.js';
import type { ServiceName } from '../systems/system.js';

/** The CPU fields of one `/proc/<pid>/stat` line, in clock ticks. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  /** CPU of the process itself. */
  readonly ownTicks: number;
  /** CPU of its children that have exited and been reaped (cutime + cstime). */
  readonly reapedChildTicks: number;
}

/** Process names (`comm`) that make up each service. */
export const SERVICE_PROCESS_NAMES: Readonly<Record<ServiceName, readonly string[]>> = {
  rabbitmq: ['beam.smp'],
  postgres: ['postgres'],
  redis: ['redis-server'],
};

/**
 * Parses one stat line. `comm` sits in parentheses and may itself hold spaces or parentheses,
 * so the fixed fields are read after the LAST closing parenthesis.
 */
export function parseProcStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const fields = line.slice(close + 2).trim().split(/\s+/);
  // After comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  const numbers = [1, 11, 12, 13, 14].map((index) => Number(fields[index]));
  if (numbers.some((value) => !Number.isFinite(value))) return null;
  const [ppid, utime, stime, cutime, cstime] = numbers as [number, number, number, number, number];
  return {
    pid: Number(line.slice(0, open).trim()),
    comm: line.slice(open + 1, close),
    ppid,
    ownTicks: utime + stime,
    reapedChildTicks: cutime + cstime,
  };
}

/**
 * CPU ticks consumed so far by each service's process tree: every live process's own time, plus
 * the reaped children's time of each tree's root. Backends that exit between two snapshots are
 * thereby still counted (their time moves into the root's reaped-children total), and processes
 * that start between two snapshots count from zero. The difference of two snapshots is the
 * service's CPU over the window.
 */
export function serviceTicks(stats: readonly ProcStat[]): Record<ServiceName, number> {
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));
  const totals = { rabbitmq: 0, postgres: 0, redis: 0 };
  for (const service of SERVICE_NAMES) {
    const names = SERVICE_PROCESS_NAMES[service];
    for (const stat of stats) {
      if (!names.includes(stat.comm)) continue;
      totals[service] += stat.ownTicks;
      const parent = byPid.get(stat.ppid);
      const isRoot = parent === undefined || !names.includes(parent.comm);
      if (isRoot) totals[service] += stat.reapedChildTicks;
    }
  }
  return totals;
}

/** Reads every process's stat line from `procDir`; processes that vanish meanwhile are skipped. */
export function readProcStats(procDir = '/proc'): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`${procDir}/${entry}/stat`, 'utf8'));
      if (stat !== null) stats.push(stat);
    } catch {
      // The process exited between the listing and the read.
    }
  }
  return stats;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (USER_HZ), 100 unless `getconf` says otherwise. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU milliseconds consumed so far by each service, or null where /proc is not readable. */
export function serviceCpuMs(procDir = '/proc'): Record<ServiceName, number> | null {
  let stats: ProcStat[];
  try {
    stats = readProcStats(procDir);
  } catch {
    return null;
  }
  const ticks = serviceTicks(stats);
  const msPerTick = 1000 / clockTicksPerSecond();
  return {
    rabbitmq: ticks.rabbitmq * msPerTick,
    postgres: ticks.postgres * msPerTick,
    redis: ticks.redis * msPerTick,
  };
}

/**
 * Parses the first line of /proc/stat into busy ticks of the whole machine: every field but
 * idle and iowait (guest time is already inside user).
 */
export function parseMachineBusyTicks(procStat: string): number | null {
  const line = procStat.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return null;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].map((value) => value ?? 0);
  if (busy.some((value) => !Number.isFinite(value))) return null;
  return busy.reduce((sum, value) => sum + value, 0);
}

/** CPU milliseconds the whole machine has been busy, or null where /proc is not readable. */
export function machineBusyMs(procDir = '/proc'): number | null {
  try {
    const ticks = parseMachineBusyTicks(readFileSync(`${procDir}/stat`, 'utf8'));
    return ticks === null ? null : (ticks * 1000) / clockTicksPerSecond();
  } catch {
    return null;
  }
}
