import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, type Issue } from '../core/errors.js';
import { fromZodIssues } from '../core/zod-issues.js';
import { parseDatabaseUrl } from '../store/database-url.js';
import { configFileSchema } from './schema.js';
import { ENV_DEFAULTS, type Settings } from './settings.js';

/** Where to read settings from. */
export interface LoadOptions {
  /** `--config FILE`; wins over MISSIVE_CONFIG. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Reads the config file (`--config`, else MISSIVE_CONFIG, else ./missive.config.json if present)
 * and the environment, validates both, and returns the settings. Throws one ConfigError listing
 * every problem, each with its exact path.
 */
export function loadSettings(options: LoadOptions = {}): Settings {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const issues: Issue[] = [];

  const explicit = options.configPath ?? nonEmpty(env.MISSIVE_CONFIG);
  const candidate = resolve(cwd, explicit ?? ENV_DEFAULTS.CONFIG_FILE);
  let raw: unknown = {};
  let configPath: string | undefined;
  if (existsSync(candidate)) {
    configPath = candidate;
    raw = readJson(candidate, issues);
  } else if (explicit !== undefined) {
    issues.push({ path: '(config)', rule: 'not_found', message: `config file ${candidate} does not exist` });
  }

  const parsed = configFileSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) issues.push(...fromZodIssues(parsed.error.issues));

  const databaseUrl = nonEmpty(env.MISSIVE_DATABASE_URL) ?? ENV_DEFAULTS.MISSIVE_DATABASE_URL;
  try {
    parseDatabaseUrl(databaseUrl);
  } catch (error) {
    issues.push(...((error as { issues?: Issue[] }).issues ?? []));
  }
  const amqpUrl = nonEmpty(env.MISSIVE_AMQP_URL) ?? ENV_DEFAULTS.MISSIVE_AMQP_URL;
  if (!/^amqps?:\/\//.test(amqpUrl)) {
    issues.push({ path: 'MISSIVE_AMQP_URL', rule: 'format', message: 'MISSIVE_AMQP_URL: must be an amqp:// or amqps:// URL' });
  }
  const amqpPrefix = nonEmpty(env.MISSIVE_AMQP_PREFIX) ?? ENV_DEFAULTS.MISSIVE_AMQP_PREFIX;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(amqpPrefix)) {
    issues.push({
      path: 'MISSIVE_AMQP_PREFIX',
      rule: 'format',
      message: 'MISSIVE_AMQP_PREFIX: letters, digits, ".", "_" and "-" only',
    });
  }
  const port = parsePort(env.PORT, issues);
  const apiKeys = (env.MISSIVE_API_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);

  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  const base = configPath ? dirname(configPath) : cwd;
  return {
    ...parsed.data,
    configPath,
    databaseUrl,
    amqpUrl,
    amqpPrefix,
    port,
    apiKeys,
    pluginPaths: parsed.data.plugins.map((plugin) => resolvePlugin(plugin, base)),
  };
}

function readJson(path: string, issues: Issue[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    issues.push({ path: '(config)', rule: 'unreadable', message: `cannot read ${path}: ${(error as Error).message}` });
    return {};
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    issues.push({ path: '(config)', rule: 'json', message: `${path} is not valid JSON: ${(error as Error).message}` });
    return {};
  }
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A relative plugin path is relative to the config file; a bare name is a package. */
function resolvePlugin(specifier: string, base: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(base, specifier)).href;
  return specifier;
}
