import { resolve } from 'node:path';
import { spawn } from 'node:child_process';
import type { MissiveProcess } from '../support/process.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = resolve(import.meta.dirname, 'fixtures', 'cli.ts');

/** Runs `missive batch …` (the batch commands, through tsx) as a child process. */
export function spawnBatchCli(args: readonly string[], env: Record<string, string>): MissiveProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, MISSIVE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
  return Object.assign(
    { child, output: () => output, exited, kill: (signal: NodeJS.Signals = 'SIGTERM') => void child.kill(signal) },
    { stdout: () => stdout },
  );
}

/** Runs `missive batch …` to completion: its exit code, its stdout, and stdout and stderr together. */
export async function runBatchCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | string; stdout: string; output: string }> {
  const process = spawnBatchCli(args, env);
  const code = await process.exited;
  return { code, stdout: process.stdout(), output: process.output() };
}
