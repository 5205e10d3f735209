import { pino } from 'pino';

/** The structured logger every part of Missive takes; pino's logger satisfies it. */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Log levels, from most to least verbose. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level written. Default `info`. */
  level?: LogLevel;
  /** Secret values (API keys, passwords) replaced by `[REDACTED]` wherever they appear in a line. */
  secrets?: readonly string[];
  /** Where lines go. Default: standard error, so that `--json` output on stdout stays clean. */
  destination?: NodeJS.WritableStream;
}

/** Field names whose values are never logged, at any of the first levels of nesting. */
const REDACTED_FIELDS = [
  'password',
  'pass',
  'apiKey',
  'apiSecret',
  'authToken',
  'secret',
  'secretAccessKey',
  'token',
  'authorization',
  'webhookUrl',
];

/** Creates a JSON-lines logger that redacts secret fields and every known secret value. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = [...new Set(options.secrets ?? [])].filter((secret) => secret.length >= 4);
  const paths = REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[REDACTED]' },
      hooks: secrets.length === 0 ? {} : { streamWrite: (line) => scrubSecrets(line, secrets) },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** Replaces every occurrence of each secret in `text` by `[REDACTED]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length > 0 && scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join('[REDACTED]');
  }
  return scrubbed;
}

/** Returns the URL with its password (if any) replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

/** A logger that drops everything; for library users who pass none. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
