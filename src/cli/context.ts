import { nonEmpty } from '../config/env.js';
import { loadSettings } from '../config/load.js';
import type { Settings } from '../config/settings.js';
import { Runtime } from '../runtime/runtime.js';

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
}

/**
 * Loads the settings for a command. One-shot commands log warnings and errors only, so their
 * output stays readable; MISSIVE_LOG_LEVEL (checked, and applied by loadSettings) overrides for
 * any command.
 */
export function settingsFor(options: GlobalOptions, longRunning: boolean): Settings {
  const settings = loadSettings({ ...(options.config !== undefined && { configPath: options.config }) });
  if (longRunning || nonEmpty(process.env.MISSIVE_LOG_LEVEL) !== undefined) return settings;
  return { ...settings, log: { level: 'warn' } };
}

/**
 * Runs a one-shot command against a runtime, closing it afterwards. Only commands that create
 * records (`send`, `batch create`, `migrate`) pass `createStore`: the others act on existing
 * records, so a SQLite file that does not exist is an error (exit 1) rather than a new database.
 */
export async function withRuntime<T>(
  options: GlobalOptions,
  run: (runtime: Runtime) => Promise<T>,
  { createStore = false }: { createStore?: boolean } = {},
): Promise<T> {
  const settings = settingsFor(options, false);
  const runtime = await Runtime.open(settings, { createStore });
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}
