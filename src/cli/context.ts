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

/** Runs a one-shot command against a runtime, closing it afterwards. */
export async function withRuntime<T>(options: GlobalOptions, run: (runtime: Runtime) => Promise<T>): Promise<T> {
  const settings = settingsFor(options, false);
  const runtime = await Runtime.open(settings);
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}
