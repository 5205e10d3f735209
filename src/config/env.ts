import type { Issue } from '../core/errors.js';
import { LOG_LEVELS, type LogLevel } from '../core/logger.js';
import { parseDatabaseUrl } from '../store/database-url.js';
import { ENV_DEFAULTS } from './settings.js';

/** The settings that come from environment variables. */
export interface EnvironmentSettings {
  databaseUrl: string;
  amqpUrl: string;
  amqpPrefix: string;
  port: number;
  apiKeys: string[];
  /** MISSIVE_LOG_LEVEL when set: it wins over the config file's `log.level`. */
  logLevel: LogLevel | undefined;
}

/**
 * Reads and checks every environment variable Missive knows. Each problem is pushed to `issues`
 * naming its variable; values are never echoed when they may hold a password.
 */
export function readEnvironment(env: NodeJS.ProcessEnv, issues: Issue[]): EnvironmentSettings {
  const databaseUrl = nonEmpty(env.MISSIVE_DATABASE_URL) ?? ENV_DEFAULTS.MISSIVE_DATABASE_URL;
  try {
    parseDatabaseUrl(databaseUrl);
  } catch (error) {
    issues.push(...((error as { issues?: Issue[] }).issues ?? []));
  }
  const amqpUrl = nonEmpty(env.MISSIVE_AMQP_URL) ?? ENV_DEFAULTS.MISSIVE_AMQP_URL;
  const amqpProblem = amqpUrlProblem(amqpUrl);
  if (amqpProblem) issues.push({ path: 'MISSIVE_AMQP_URL', rule: 'format', message: `MISSIVE_AMQP_URL: ${amqpProblem}` });
  const amqpPrefix = nonEmpty(env.MISSIVE_AMQP_PREFIX) ?? ENV_DEFAULTS.MISSIVE_AMQP_PREFIX;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(amqpPrefix)) {
    issues.push({ path: 'MISSIVE_AMQP_PREFIX', rule: 'format', message: 'MISSIVE_AMQP_PREFIX: letters, digits, ".", "_" and "-" only' });
  }
  return {
    databaseUrl,
    amqpUrl,
    amqpPrefix,
    port: parsePort(env.PORT, issues),
    apiKeys: parseApiKeys(env.MISSIVE_API_KEYS, issues),
    logLevel: parseLogLevel(env.MISSIVE_LOG_LEVEL, issues),
  };
}

/**
 * Why an AMQP URL cannot be used, or undefined. It must parse, be amqp:// or amqps://, name a
 * host and, if it gives a port, one from 1 to 65535 (the URL parser refuses larger ones). The
 * message never repeats the URL, which may hold a password.
 */
function amqpUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL (check the host, the port and that special characters in the password are %-encoded)';
  }
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') return 'must be an amqp:// or amqps:// URL';
  if (url.hostname === '') return 'must name a host, e.g. amqp://user:password@127.0.0.1:5672';
  if (url.port !== '' && Number(url.port) < 1) return 'port must be from 1 to 65535';
  return undefined;
}

/**
 * Set and naming no key at all (`,`, blanks, an empty templated value) is an error rather than an
 * open API: whoever set the variable meant to require keys.
 */
function parseApiKeys(value: string | undefined, issues: Issue[]): string[] {
  if (value === undefined) return [];
  const keys = value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  if (keys.length === 0) {
    issues.push({
      path: 'MISSIVE_API_KEYS',
      rule: 'empty',
      message: 'MISSIVE_API_KEYS: is set but holds no key; give comma-separated keys, or unset it to leave the API open',
    });
  }
  return keys;
}

function parseLogLevel(value: string | undefined, issues: Issue[]): LogLevel | undefined {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(text)) return text as LogLevel;
  issues.push({ path: 'MISSIVE_LOG_LEVEL', rule: 'enum', message: `MISSIVE_LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}, got "${text}"` });
  return undefined;
}

function parsePort(value: string | undefined, issues: Issue[]): number {
  const text = nonEmpty(value);
  if (text === undefined) return ENV_DEFAULTS.PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    issues.push({ path: 'PORT', rule: 'range', message: `PORT: must be a port number (0-65535), got "${text}"` });
  }
  return port;
}

/** The trimmed value, or undefined when unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
