import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, type Issue } from '../core/errors.js';
import { fromZodIssues } from '../core/zod-issues.js';
import { nonEmpty, readEnvironment } from './env.js';
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
 * and the environment (env.ts), validates both, and returns the settings; MISSIVE_LOG_LEVEL wins
 * over `log.level`. Throws one ConfigError listing every problem, each with its exact path.
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

  const { logLevel, ...fromEnv } = readEnvironment(env, issues);

  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  const base = configPath ? dirname(configPath) : cwd;
  return {
    ...parsed.data,
    ...(logLevel !== undefined && { log: { ...parsed.data.log, level: logLevel } }),
    configPath,
    ...fromEnv,
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

/** A relative plugin path is relative to the config file; a bare name is a package. */
function resolvePlugin(specifier: string, base: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(base, specifier)).href;
  return specifier;
}
