import { LogProviderFactory } from './log/log.js';
import { OutboxProviderFactory } from './outbox/outbox.js';
import type { ProviderFactory } from './provider.js';
import { ProviderRegistry } from './registry.js';

/** The factories shipped with Missive. A new built-in vendor is one more factory in this list. */
export function builtinFactories(): ProviderFactory[] {
  return [new OutboxProviderFactory(), new LogProviderFactory()];
}

/** A registry holding every built-in factory. */
export function createBuiltinRegistry(): ProviderRegistry {
  const registry = new ProviderRegistry();
  for (const factory of builtinFactories()) registry.register(factory as ProviderFactory);
  return registry;
}
