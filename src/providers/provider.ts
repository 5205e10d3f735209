import type { Clock } from '../core/clock.js';
import type { JsonObject } from '../core/json.js';
import type { Logger } from '../core/logger.js';
import type { StandardSchemaV1 } from '../core/standard-schema.js';
import type { Channel } from '../message/channels.js';
import type { Delivery, MessageContent } from '../message/types.js';

/** A message handed to a provider for one delivery attempt. */
export interface OutgoingMessage {
  id: string;
  channel: Channel;
  to: string;
  content: MessageContent;
  /** The sender; when absent the provider uses its configured `from`. */
  from?: string;
  metadata?: JsonObject;
  /**
   * The key under which the vendor should de-duplicate this send: the caller's idempotency key, a
   * batch item's `<batchId>:<item>`, or the message id. Pass it to vendors that accept one.
   */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  delivery: Delivery;
  /** Set when the message is an item of a batch. */
  batch?: { id: string; item: number };
}

/** What a provider gets besides the message. */
export interface SendContext {
  /** Aborted when the attempt times out or the process shuts down; providers must honour it. */
  readonly signal: AbortSignal;
}

/** A successful send. */
export interface SendResult {
  /** The vendor's id for the sent message. */
  providerMessageId: string;
}

/**
 * Sends one message on one channel through one vendor. Throws a ProviderError subclass
 * (retryable, rate-limited, permanent) on failure.
 */
export interface Provider {
  /** The instance name from the configuration. */
  readonly name: string;
  readonly type: string;
  readonly channels: readonly Channel[];
  send(message: OutgoingMessage, context: SendContext): Promise<SendResult>;
  /** Releases connections; called once at shutdown. */
  close?(): Promise<void>;
}

/** What a factory gets to build a provider instance. */
export interface ProviderContext {
  /** The instance name from the configuration. */
  name: string;
  logger: Logger;
  clock: Clock;
}

/**
 * Builds providers of one type (the abstract factory). Adding a vendor means adding a factory;
 * the send path never changes. Built-ins and plugins implement exactly this.
 */
export interface ProviderFactory<Options = unknown> {
  /** The `type` that selects this factory in the configuration. */
  readonly type: string;
  /** The channels its providers can serve. */
  readonly channels: readonly Channel[];
  /** Validates the instance's options (everything in its config entry except `type`). */
  readonly optionsSchema: StandardSchemaV1<unknown, Options>;
  /**
   * Options whose values are secret: redacted in logs, output and errors. Each is an option name
   * (`apiKey`) or a dotted path into an object option, `*` standing for every key (`headers.*`:
   * every header's value). A secret option holding an object has every string in it secret.
   */
  readonly secretOptions?: readonly string[];
  /** One-line description for `missive providers`. */
  readonly description?: string;
  create(options: Options, context: ProviderContext): Provider;
}
