import { z } from 'zod';
import type { Issue } from '../core/errors.js';
import { fromZodIssues } from '../core/zod-issues.js';
import { isChannel } from '../message/channels.js';
import type { ProviderFactory } from './provider.js';

/** Maps provider types to their factories. Built-ins and plugins register the same way. */
export class ProviderRegistry {
  readonly #factories = new Map<string, ProviderFactory>();

  /** Adds a factory; a second factory for the same type is refused. */
  register(factory: ProviderFactory): this {
    const problem = checkFactory(factory);
    if (problem) throw new TypeError(`not a provider factory: ${problem}`);
    if (this.#factories.has(factory.type)) {
      throw new TypeError(`provider type "${factory.type}" is already registered`);
    }
    this.#factories.set(factory.type, factory);
    return this;
  }

  /** The factory of a type, if registered. */
  get(type: string): ProviderFactory | undefined {
    return this.#factories.get(type);
  }

  /** Every registered factory, in registration order. */
  list(): ProviderFactory[] {
    return [...this.#factories.values()];
  }
}

/** Explains why `value` is not a usable factory, or returns undefined when it is one. */
export function checkFactory(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'expected an object';
  const factory = value as Partial<ProviderFactory>;
  if (typeof factory.type !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(factory.type)) {
    return 'type must be a lowercase name';
  }
  if (!Array.isArray(factory.channels) || factory.channels.length === 0 || !factory.channels.every(isChannel)) {
    return `${factory.type}: channels must list email, sms, webhook or chat`;
  }
  if (typeof factory.optionsSchema?.['~standard']?.validate !== 'function') {
    return `${factory.type}: optionsSchema must be a Standard Schema (zod, valibot, …)`;
  }
  if (typeof factory.create !== 'function') return `${factory.type}: create must be a function`;
  return undefined;
}

/** Validates one instance's options with its factory's schema; issues carry the config path. */
export async function validateOptions(
  factory: ProviderFactory,
  options: unknown,
  pathPrefix: string,
): Promise<{ value: unknown } | { issues: Issue[] }> {
  if (factory.optionsSchema instanceof z.ZodType) {
    // zod gives exact paths for unknown keys and stable rule names; other schema libraries go
    // through the Standard Schema interface below.
    const parsed = await factory.optionsSchema.safeParseAsync(options, { reportInput: true });
    return parsed.success ? { value: parsed.data } : { issues: fromZodIssues(parsed.error.issues, pathPrefix) };
  }
  const result = await factory.optionsSchema['~standard'].validate(options);
  if (!result.issues) return { value: result.value };
  return {
    issues: result.issues.map((issue) => {
      const keys = (issue.path ?? []).map((segment) =>
        typeof segment === 'object' && segment !== null && 'key' in segment ? segment.key : segment,
      );
      const path = [pathPrefix, ...keys.map(String)].join('.');
      const rule = /unrecognized|unknown/i.test(issue.message) ? 'unknown_key' : /required|undefined/i.test(issue.message) ? 'required' : 'invalid';
      return { path, rule, message: `${path}: ${issue.message}` };
    }),
  };
}
