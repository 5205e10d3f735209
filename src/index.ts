/**
 * Missive as a library: one producer interface for immediate and scheduled messages, the roles
 * (worker, scheduler) to run in-process, and the extension points (provider factories).
 */
import { loadSettings, type LoadOptions } from './config/load.js';
import type { Settings } from './config/settings.js';
import type { MessageView } from './message/view.js';
import { PrometheusMetrics } from './metrics/prometheus.js';
import type { SendReceipt } from './producer/producer.js';
import { type Role, type RunningRoles, startRoles } from './runtime/roles.js';
import { Runtime, type RuntimeOverrides } from './runtime/runtime.js';
import { cancelMessage, getMessageView, rescheduleMessage } from './runtime/services/messages.js';

/** Options of {@link createMissive}. */
export interface MissiveOptions extends LoadOptions {
  /** Settings to use as they are, instead of reading the config file and environment. */
  settings?: Settings;
  /** Replacements for the clock, ids, logger or provider registry. */
  overrides?: RuntimeOverrides;
}

/** A Missive instance embedded in an application. */
export class Missive {
  private constructor(readonly runtime: Runtime) {}

  /** Builds the providers, opens the store (migrating it) and returns an instance; the broker connects on first send. */
  static async create(options: MissiveOptions = {}): Promise<Missive> {
    const settings = options.settings ?? loadSettings(options);
    // Metrics cost little and make /metrics complete when the application starts the http role.
    return new Missive(await Runtime.open(settings, { metrics: new PrometheusMetrics(), ...options.overrides }));
  }

  /** Sends a message now or at `delivery.at`; resolves once it is durably accepted. */
  async send(message: unknown): Promise<SendReceipt> {
    return (await this.runtime.producer()).send(message);
  }

  /** A message's status and history. */
  status(id: string): Promise<MessageView> {
    return getMessageView(this.runtime, id);
  }

  /** Cancels a scheduled message that has not been dispatched; returns it. */
  cancel(id: string): Promise<MessageView> {
    return cancelMessage(this.runtime, id);
  }

  /** Moves a scheduled message that has not been dispatched (a past time means now); returns it. */
  reschedule(id: string, at: Date): Promise<MessageView> {
    return rescheduleMessage(this.runtime, id, { mode: 'scheduled', at: at.toISOString() });
  }

  /** Runs roles (worker, scheduler, batch runner; the HTTP API on request) until the returned handle is stopped. */
  start(roles: readonly Role[] = ['worker', 'scheduler', 'batch']): Promise<RunningRoles> {
    return startRoles(this.runtime, roles);
  }

  /** Flushes and closes connections. */
  close(): Promise<void> {
    return this.runtime.close();
  }
}

/** Shorthand for {@link Missive.create}. */
export const createMissive = (options?: MissiveOptions): Promise<Missive> => Missive.create(options);

export type { SendReceipt } from './producer/producer.js';
export type { MessageView } from './message/view.js';
export type { MessageInput } from './message/schema.js';
export type { Channel } from './message/channels.js';
export type { MessageStatus, NewMessage, Delivery } from './message/types.js';
export type { Provider, ProviderFactory, ProviderContext, OutgoingMessage, SendContext, SendResult } from './providers/provider.js';
export { PermanentProviderError, RateLimitedProviderError, RetryableProviderError, ProviderError } from './providers/errors.js';
export { ValidationError, ConfigError, NotFoundError, ConflictError, MissiveError } from './core/errors.js';
export type { Settings } from './config/settings.js';
export { PrometheusMetrics } from './metrics/prometheus.js';
export { MissiveClient } from './client/index.js';
export type { Role, RunningRoles } from './runtime/roles.js';
