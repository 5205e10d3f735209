import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { SuiteMode } from '../config/sizes.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const TSX = resolve(ROOT, 'node_modules', '.bin', 'tsx');

/** A Missive-only benchmark: a script under bench/ that prints one JSON object. */
export interface Extra {
  readonly name: string;
  /** What it measures, and its target. */
  readonly description: string;
  readonly target: string;
  readonly store: 'sqlite' | 'postgres';
  /** The script and its arguments for a suite. */
  command(mode: SuiteMode): { script: string; args: string[]; timeoutMs: number };
  /** The figures to report, from the script's JSON. */
  figures(output: Record<string, unknown>): Record<string, number>;
}

function batchThroughput(store: 'sqlite' | 'postgres'): Extra {
  return {
    name: `batch-throughput (${store})`,
    description: 'items/s of a batch through a provider answering in 20 ms, at concurrency 16 and 64, as a ratio of the ideal (concurrency / latency)',
    target: '≥ 0.8 of ideal',
    store,
    command: (mode) => ({
      script: 'bench/batch/throughput.ts',
      args: ['--items', mode === 'full' ? '100000' : '4000', '--concurrency', '16,64', '--latency', '20', '--store', store],
      timeoutMs: mode === 'full' ? 900_000 : 120_000,
    }),
    figures: (output) => {
      const results = output.results as { concurrency: number; itemsPerSecond: number; ratio: number }[];
      return Object.fromEntries(results.flatMap((r) => [[`c${r.concurrency} items/s`, r.itemsPerSecond], [`c${r.concurrency} ratio`, r.ratio]]));
    },
  };
}

function batchMemory(store: 'sqlite' | 'postgres'): Extra {
  return {
    name: `batch-memory (${store})`,
    description: 'peak RSS of the process creating a batch from a recipients file (streamed) and running it',
    target: '< 300 MB (1,000,000 items in the full suite)',
    store,
    command: (mode) => ({
      script: 'bench/batch/memory.ts',
      args: ['--items', mode === 'full' ? '1000000' : '100000', '--concurrency', '64', '--latency', '0', '--store', store],
      timeoutMs: mode === 'full' ? 1_200_000 : 180_000,
    }),
    figures: (output) => ({
      items: Number(output.items),
      'create s': Number(output.createSeconds),
      'run s': Number(output.runSeconds),
      'peak RSS MB': Number(output.peakRssMB),
    }),
  };
}

function httpAcceptance(store: 'sqlite' | 'postgres'): Extra {
  return {
    name: `http-acceptance (${store})`,
    description: 'messages accepted per second through POST /v1/messages, load from wrk (else autocannon) in another process, vs the producer called in-process',
    target: '≥ 0.6 of in-process',
    store,
    command: (mode) => ({
      script: 'bench/http/acceptance.ts',
      args: ['--seconds', mode === 'full' ? '10' : '4', '--store', store],
      timeoutMs: 120_000,
    }),
    figures: (output) => ({
      'in-process msgs/s': Number(output.inProcessPerSecond),
      'HTTP msgs/s': Number(output.httpPerSecond),
      ratio: Number(output.ratio),
    }),
  };
}

function claimAtScale(store: 'sqlite' | 'postgres'): Extra {
  return {
    name: `scheduler-claim-at-scale (${store})`,
    description: "the scheduler's poll (next due time + claim) on an empty store and with many messages held for later",
    target: 'not slowed by 1,000,000 held messages',
    store,
    command: (mode) => ({
      script: 'bench/store/claim-at-scale.ts',
      args: ['--messages', mode === 'full' ? '1000000' : '100000', '--store', store],
      timeoutMs: mode === 'full' ? 1_200_000 : 180_000,
    }),
    figures: (output) => ({
      held: Number(output.messages),
      'empty poll ms': Number(output['empty poll median ms']),
      'held poll ms': Number(output['held poll median ms']),
    }),
  };
}

/** The extras of a suite: both stores in the full suite, SQLite (the default store) in the quick one. */
export function extrasFor(mode: SuiteMode): Extra[] {
  const stores: ('sqlite' | 'postgres')[] = mode === 'full' ? ['sqlite', 'postgres'] : ['sqlite'];
  return stores.flatMap((store) => [batchThroughput(store), batchMemory(store), httpAcceptance(store), claimAtScale(store)]);
}

/** Runs one extra once, in its own process. */
export async function runExtra(extra: Extra, mode: SuiteMode): Promise<Record<string, number>> {
  const { script, args, timeoutMs } = extra.command(mode);
  const { stdout } = await run(TSX, [resolve(ROOT, script), ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return extra.figures(JSON.parse(line) as Record<string, unknown>);
}
