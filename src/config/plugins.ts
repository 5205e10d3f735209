import { ConfigError, type Issue } from '../core/errors.js';
import type { ProviderFactory } from '../providers/provider.js';
import { checkFactory, type ProviderRegistry } from '../providers/registry.js';

/**
 * Imports each plugin module and registers the provider factories it exports, exactly like the
 * built-ins. A module may export factories as its default export (one or an array), as
 * `factories`, or as any named export; classes are instantiated with no arguments.
 */
export async function loadPlugins(specifiers: readonly string[], registry: ProviderRegistry): Promise<void> {
  const issues: Issue[] = [];
  for (const [index, specifier] of specifiers.entries()) {
    const path = `plugins[${index}]`;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(specifier)) as Record<string, unknown>;
    } catch (error) {
      issues.push({ path, rule: 'import', message: `${path}: cannot load ${specifier}: ${(error as Error).message}` });
      continue;
    }
    const factories = factoriesOf(exports);
    if (factories.length === 0) {
      issues.push({ path, rule: 'no_factories', message: `${path}: ${specifier} exports no provider factory` });
      continue;
    }
    for (const factory of factories) {
      try {
        registry.register(factory);
      } catch (error) {
        issues.push({ path, rule: 'register', message: `${path}: ${(error as Error).message}` });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

function factoriesOf(exports: Record<string, unknown>): ProviderFactory[] {
  const candidates = new Set<unknown>();
  for (const value of Object.values(exports)) {
    for (const item of Array.isArray(value) ? value : [value]) candidates.add(item);
  }
  const found: ProviderFactory[] = [];
  for (const candidate of candidates) {
    const instance = typeof candidate === 'function' ? instantiate(candidate) : candidate;
    if (instance !== undefined && checkFactory(instance) === undefined && !found.includes(instance as ProviderFactory)) {
      found.push(instance as ProviderFactory);
    }
  }
  return found;
}

function instantiate(value: unknown): unknown {
  try {
    return new (value as new () => unknown)();
  } catch {
    return undefined;
  }
}
