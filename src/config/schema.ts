import { z } from 'zod';
import { MAX_TIMER_MS } from '../core/clock.js';
import { LOG_LEVELS } from '../core/logger.js';
import { CHANNELS } from '../message/channels.js';

const positiveInt = z.number().int().positive();
const timerCap = `must be at most ${MAX_TIMER_MS} ms (Node.js timers overflow beyond it)`;
/** A duration in ms that may be 0. */
const ms = z.number().int().nonnegative().max(MAX_TIMER_MS, timerCap);
/** A duration in ms of at least 1. */
const positiveMs = positiveInt.max(MAX_TIMER_MS, timerCap);

/** Extra time shutdown may take beyond the worker's grace period before the process is forced out. */
export const SHUTDOWN_MARGIN_MS = 15_000;
/** The longest grace period: its timer, with the margin added, must stay within the timer cap. */
const MAX_SHUTDOWN_GRACE_MS = MAX_TIMER_MS - SHUTDOWN_MARGIN_MS;

/** Provider instance names: what channels and messages refer to. */
const INSTANCE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * The configuration file. Every default is written here, once. Unknown keys anywhere are errors;
 * each provider's own options are checked by its factory's schema.
 */
export const configFileSchema = z.strictObject({
  /** Provider instances by name. Default: one `outbox` instance writing ./.missive/outbox.jsonl. */
  providers: z
    .record(
      z.string().regex(INSTANCE_NAME, 'provider names start with a letter and hold letters, digits, _ and -'),
      z.looseObject({ type: z.string({ error: 'required: the provider type' }).min(1) }),
    )
    .refine((providers) => Object.keys(providers).length > 0, 'at least one provider is required')
    .default({ outbox: { type: 'outbox', path: './.missive/outbox.jsonl' } }),
  /** Per channel, the provider instances to try in order. Default: every instance able to send it. */
  channels: z.partialRecord(z.enum(CHANNELS), z.strictObject({ providers: z.array(z.string()).min(1) })).default({}),
  /** Modules exporting provider factories (paths relative to the config file, or package names). */
  plugins: z.array(z.string().min(1)).default([]),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
  worker: z
    .strictObject({
      /** Deliveries in hand per channel queue. */
      prefetch: positiveInt.max(10_000).default(100),
      /** How long shutdown waits for deliveries in hand. */
      shutdownGraceMs: z.number().int().nonnegative().max(MAX_SHUTDOWN_GRACE_MS, `must be at most ${MAX_SHUTDOWN_GRACE_MS} ms`).default(15_000),
    })
    .prefault({}),
  scheduler: z
    .strictObject({
      /** Time between polls for due messages. */
      pollIntervalMs: positiveMs.default(1_000),
      /** Messages due within this window are claimed early and published by in-process timers. */
      lookAheadMs: ms.default(2_000),
      /** How long a claim is held before another scheduler may take the rows. */
      leaseMs: positiveMs.default(30_000),
      /** Most messages claimed per poll. */
      chunkSize: positiveInt.max(10_000).default(500),
      /** An immediate message not confirmed by the broker this long after acceptance is re-published. */
      relayAfterMs: positiveMs.default(10_000),
    })
    .superRefine((scheduler, ctx) => {
      // Held rows are not re-leased: a look-ahead as long as the lease lets another scheduler
      // claim (and publish) messages this one still holds.
      if (scheduler.lookAheadMs >= scheduler.leaseMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['lookAheadMs'],
          message: `must be less than scheduler.leaseMs (${scheduler.leaseMs})`,
          params: { rule: 'below_lease' },
        });
      }
      // Messages claimed early wait up to the look-ahead before they are published; a shorter
      // relay deadline would re-publish messages already confirmed.
      if (scheduler.relayAfterMs <= scheduler.lookAheadMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['relayAfterMs'],
          message: `must be greater than scheduler.lookAheadMs (${scheduler.lookAheadMs})`,
          params: { rule: 'above_look_ahead' },
        });
      }
    })
    .prefault({}),
  delivery: z
    .strictObject({
      /** Timeout of one provider call. */
      attemptTimeoutMs: positiveMs.default(30_000),
      retry: z
        .strictObject({
          /** Attempts in all, the first included. */
          maxAttempts: positiveInt.max(100).default(5),
          /** First backoff ceiling; doubles each attempt (full jitter). */
          baseMs: positiveMs.default(1_000),
          /** Largest backoff. */
          capMs: positiveMs.default(300_000),
        })
        .prefault({}),
      // The break grows by 2 on each failed probe and a probe's deadline follows attemptTimeoutMs:
      // derived, not settable (breakMs and maxBreakMs already bound the growth).
      breaker: z
        .strictObject({
          windowSize: positiveInt.default(20),
          minimumCalls: positiveInt.default(10),
          failureThreshold: z.number().gt(0).lte(1).default(0.5),
          breakMs: positiveMs.default(30_000),
          maxBreakMs: positiveMs.default(300_000),
        })
        .refine((breaker) => breaker.maxBreakMs >= breaker.breakMs, {
          path: ['maxBreakMs'],
          message: 'must be at least breakMs',
          params: { rule: 'range' },
        })
        .prefault({}),
    })
    .prefault({}),
  http: z
    .strictObject({
      /** Address the API listens on. */
      host: z.string().min(1).default('0.0.0.0'),
      /** Largest request body accepted, in bytes (batch uploads are streamed and not bound by it). */
      bodyLimitBytes: positiveInt.default(1_048_576),
      /** Serve /healthz, /readyz and /metrics on this port instead of the API's. */
      metricsPort: z.number().int().min(1).max(65_535).optional(),
    })
    .prefault({}),
  batch: z
    .strictObject({
      /** Items sent at once per batch. */
      concurrency: positiveInt.max(1_000).default(16),
      /** Items claimed per lease. */
      chunkSize: positiveInt.max(10_000).default(200),
      /** How long a runner's claim on a chunk lasts without renewal. */
      leaseMs: positiveMs.default(30_000),
    })
    .prefault({}),
});

/** The configuration file once validated, with every default filled in. */
export type ConfigFile = z.output<typeof configFileSchema>;
