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
  /**
   * Secret values (API keys, passwords) replaced by `[REDACTED]` wherever they appear in a line.
   * A {@link SecretList} may still grow after the logger is made (provider secrets are known
   * only once the providers are built, which needs a logger).
   */
  secrets?: readonly string[] | SecretList;
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

/** Secret values to scrub from text; values may be added at any time. */
export class SecretList {
  readonly #values: string[] = [];

  constructor(values: Iterable<string> = []) {
    this.add(values);
  }

  /**
   * Adds values, each also as it reads inside a JSON string (a log line is JSON). Values shorter
   * than 4 characters are ignored: they would scrub ordinary words.
   */
  add(values: Iterable<string>): void {
    for (const value of values) {
      if (value.length < 4) continue;
      for (const form of [value, JSON.stringify(value).slice(1, -1)]) {
        if (!this.#values.includes(form)) this.#values.push(form);
      }
    }
    // Longest first, so that a secret containing another is scrubbed whole.
    this.#values.sort((a, b) => b.length - a.length);
  }

  /** Every value held (with its JSON-escaped form when that differs). */
  get values(): readonly string[] {
    return this.#values;
  }

  /** `text` with every value replaced by `[REDACTED]`. */
  scrub(text: string): string {
    return scrubSecrets(text, this.#values);
  }
}

/** Creates a JSON-lines logger that redacts secret fields and every known secret value. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets instanceof SecretList ? options.secrets : new SecretList(options.secrets);
  const scrubs = options.secrets instanceof SecretList || secrets.values.length > 0;
  const paths = REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[REDACTED]' },
      hooks: scrubs ? { streamWrite: (line) => secrets.scrub(line) } : {},
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** Replaces every occurrence of each secret in `text` by `[REDACTED]`, in the order given. */
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
