import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseOutcome } from './protocol.js';
import type { ChildOutcome, ChildSpec } from './protocol.js';

/** The child entry point, run with the same loader (tsx) as this process. */
const CHILD_SCRIPT = fileURLToPath(new URL('./child.ts', import.meta.url));
/** After SIGTERM, how long a child may take to tear down before SIGKILL. */
const KILL_GRACE_MS = 15_000;
/** Bytes of each stream kept for the report when a child fails. */
const TAIL_BYTES = 4096;
/** Most stdout bytes kept while looking for the outcome line. */
const STDOUT_KEEP_BYTES = 1 << 20;

/** How a child process ended. */
export interface ChildResult {
  /** The child's own outcome line, or null if it printed none (crash, kill). */
  readonly outcome: ChildOutcome | null;
  readonly timedOut: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly wallMs: number;
  /** Last lines of stderr (and stdout), for a failure report. */
  readonly outputTail: string;
}

function keepTail(buffer: string, chunk: string, limit: number): string {
  const joined = buffer + chunk;
  return joined.length > limit ? joined.slice(joined.length - limit) : joined;
}

/**
 * Runs one child (`script`, by default the bench's child entry) and collects its outcome. After `timeoutMs` it is sent SIGTERM (it then tries to
 * tear down) and, if still alive after a grace period, SIGKILL. Never rejects for the child's sake.
 */
export function runChild(
  spec: ChildSpec,
  timeoutMs: number,
  options: { readonly script?: string; readonly killGraceMs?: number } = {},
): Promise<ChildResult> {
  const startedAt = Date.now();
  const script = options.script ?? CHILD_SCRIPT;
  const child = spawn(process.execPath, [...process.execArgv, script, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout = keepTail(stdout, chunk, STDOUT_KEEP_BYTES);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = keepTail(stderr, chunk, TAIL_BYTES);
  });
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS);
  }, timeoutMs);

  return new Promise((resolve) => {
    const settle = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      const stdoutTail = stdout.slice(-TAIL_BYTES).replace(/^@@bench-outcome .*$/m, '');
      resolve({
        outcome: parseOutcome(stdout),
        timedOut,
        exitCode,
        signal,
        wallMs: Date.now() - startedAt,
        outputTail: [spawnError?.message, stderr.trim(), stdoutTail.trim()].filter(Boolean).join('\n---\n'),
      });
    };
    child.once('error', (error) => settle(null, null, error));
    child.once('close', (code, signal) => settle(code, signal));
  });
}
