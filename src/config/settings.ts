import type { ConfigFile } from './schema.js';

/** Everything a Missive process runs with: the config file plus the environment. */
export interface Settings extends ConfigFile {
  /** The config file read, if any. */
  configPath: string | undefined;
  /** MISSIVE_DATABASE_URL. */
  databaseUrl: string;
  /** MISSIVE_AMQP_URL. */
  amqpUrl: string;
  /** MISSIVE_AMQP_PREFIX. */
  amqpPrefix: string;
  /** PORT of the HTTP API. */
  port: number;
  /** MISSIVE_API_KEYS; empty means the API is open. */
  apiKeys: string[];
  /** Plugin module specifiers resolved against the config file's folder. */
  pluginPaths: string[];
}

/** Defaults of the environment variables (CONTRACT.md). */
export const ENV_DEFAULTS = {
  MISSIVE_DATABASE_URL: 'sqlite:./.missive/missive.db',
  MISSIVE_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  MISSIVE_AMQP_PREFIX: 'missive',
  PORT: 3000,
  CONFIG_FILE: './missive.config.json',
} as const;
