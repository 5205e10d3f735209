import { ConfigError, MissiveError, ValidationError } from '../core/errors.js';

/** The command line was used wrongly (unknown flag, missing argument, conflicting options). */
export class UsageError extends MissiveError {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes (CONTRACT.md): 0 success, 1 failure, 2 bad usage or bad input. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The exit code an error ends the process with. */
export function exitCodeFor(error: unknown): number {
  return error instanceof ValidationError || error instanceof ConfigError || error instanceof UsageError ? EXIT.usage : EXIT.failure;
}

/** Writes an error for people: one line, then one line per issue. */
export function formatError(error: unknown): string {
  if (error instanceof ValidationError || error instanceof ConfigError) {
    const head = error instanceof ConfigError ? 'invalid configuration' : 'invalid input';
    return [`missive: ${head}:`, ...error.issues.map((issue) => `  - ${issue.message}`)].join('\n');
  }
  const message = error instanceof Error ? error.message : String(error);
  return `missive: ${message}`;
}

/** Prints one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a line for people on standard error, beside the command's output. */
export function printNote(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Prints a line on stdout. */
export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}
