import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** A `missive` process started by a test, with its output collected. */
export interface MissiveProcess {
  child: ChildProcess;
  /** Standard output and error, interleaved. */
  output(): string;
  /** Standard output alone. */
  stdout(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/** Writes a config file for child processes and returns its path. */
export function writeConfig(config: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'missive-cfg-')), 'missive.config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/**
 * How the CLI is started: the built package (`dist/`, what users run) when MISSIVE_TEST_CLI is
 * `dist` — as `npm test` and `npm run test:reliability` set it, after building —, else the
 * sources through tsx, so a single test file runs without a build.
 */
const CLI = process.env.MISSIVE_TEST_CLI === 'dist' ? [join(ROOT, 'dist/cli/main.js')] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];

/** Runs the `missive` command, as a user would. */
export function spawnMissive(args: readonly string[], env: Record<string, string>): MissiveProcess {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    // PORT 0: the probes every long-running role serves take a free port, never a fixed one.
    env: { ...process.env, MISSIVE_LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
  return { child, output: () => output, stdout: () => stdout, exited, kill: (signal = 'SIGTERM') => child.kill(signal) };
}

/** Runs the CLI to completion. */
export async function runMissive(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | string; output: string; stdout: string }> {
  const child = spawnMissive(args, env);
  const code = await child.exited;
  return { code, output: child.output(), stdout: child.stdout() };
}
