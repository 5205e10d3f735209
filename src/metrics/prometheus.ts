import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ITEM_STATUSES } from '../batch/types.js';
import { type Clock, systemClock } from '../core/clock.js';
import type { Channel } from '../message/channels.js';
import { MESSAGE_STATUSES } from '../message/types.js';
import { BREAKER_STATE_VALUE, type GaugeSources } from './gauge-sources.js';
import type { Metrics } from './metrics.js';

/** Options of {@link PrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Also export Node.js process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
  /** Reuse the messages-by-status and batch-items-by-status counts for this long, in ms, to keep scrapes cheap. Default 5000. */
  countCacheMs?: number;
  /** A scrape-time source slower than this, in ms, is skipped for that scrape. Default 2000. */
  sourceTimeoutMs?: number;
  clock?: Clock;
}

const SECONDS = 1_000;
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const LATENESS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The roles' metrics in a Prometheus registry of their own (never the global one, so several
 * runtimes in one process stay apart). Counters and histograms are fed by the roles through
 * {@link Metrics}; breaker states, messages and batch items by status, and queue depths are read
 * at scrape time from the sources given to {@link observe}.
 */
export class PrometheusMetrics implements Metrics {
  /** The registry holding every metric below. */
  readonly registry = new Registry();
  readonly #clock: Clock;
  readonly #countCacheMs: number;
  readonly #sourceTimeoutMs: number;
  #sources: GaugeSources = {};
  /** Counts read from the store, by gauge name, with when they were read. */
  readonly #counts = new Map<string, { at: number; value: unknown }>();

  readonly #accepted: Counter<'channel' | 'mode'>;
  readonly #delivered: Counter<'channel' | 'provider'>;
  readonly #retried: Counter<'channel' | 'provider' | 'kind'>;
  readonly #failed: Counter<'channel' | 'provider' | 'kind'>;
  readonly #deadLettered: Counter<'channel' | 'provider' | 'reason'>;
  readonly #latency: Histogram<'channel' | 'provider'>;
  readonly #batchItems: Counter<'channel' | 'provider' | 'outcome'>;
  readonly #batchRetries: Counter<'channel' | 'provider' | 'kind'>;
  readonly #batchLatency: Histogram<'channel' | 'provider'>;
  readonly #lateness: Histogram;
  readonly #http: Histogram<'method' | 'route' | 'status'>;

  constructor(options: PrometheusMetricsOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#countCacheMs = options.countCacheMs ?? 5_000;
    this.#sourceTimeoutMs = options.sourceTimeoutMs ?? 2_000;
    const registers = [this.registry];
    this.#accepted = new Counter({ name: 'missive_messages_accepted_total', help: 'Messages accepted by the producer.', labelNames: ['channel', 'mode'], registers });
    this.#delivered = new Counter({ name: 'missive_messages_delivered_total', help: 'Messages a provider accepted.', labelNames: ['channel', 'provider'], registers });
    this.#retried = new Counter({ name: 'missive_delivery_retries_total', help: 'Failed attempts that will be retried.', labelNames: ['channel', 'provider', 'kind'], registers });
    this.#failed = new Counter({
      name: 'missive_messages_failed_total',
      help: 'Messages that failed for good after a provider was tried (status failed), by the kind of their last error.',
      labelNames: ['channel', 'provider', 'kind'],
      registers,
    });
    this.#deadLettered = new Counter({
      name: 'missive_messages_dead_lettered_total',
      help: 'Messages that went to the dead-letter queue: those failed, and those no provider could attempt (dead).',
      labelNames: ['channel', 'provider', 'reason'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'missive_delivery_latency_seconds',
      help: 'Time from acceptance (or due time) to delivery.',
      labelNames: ['channel', 'provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#batchItems = new Counter({
      name: 'missive_batch_items_total',
      help: 'Batch items a runner recorded as sent or failed for good.',
      labelNames: ['channel', 'provider', 'outcome'],
      registers,
    });
    this.#batchRetries = new Counter({
      name: 'missive_batch_item_retries_total',
      help: 'Failed attempts of batch items that will be retried.',
      labelNames: ['channel', 'provider', 'kind'],
      registers,
    });
    this.#batchLatency = new Histogram({
      name: 'missive_batch_item_latency_seconds',
      help: "Time from a batch item's first attempt to its provider's acceptance, retries included.",
      labelNames: ['channel', 'provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#lateness = new Histogram({ name: 'missive_scheduled_lateness_seconds', help: 'How late the scheduler published due messages.', buckets: LATENESS_BUCKETS, registers });
    this.#http = new Histogram({
      name: 'missive_http_request_duration_seconds',
      help: 'HTTP requests served, by route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.#registerScrapeGauges();
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  accepted(channel: Channel, mode: 'immediate' | 'scheduled'): void {
    this.#accepted.inc({ channel, mode });
  }

  delivered(channel: Channel, provider: string, latencyMs: number): void {
    this.#delivered.inc({ channel, provider });
    this.#latency.observe({ channel, provider }, Math.max(latencyMs, 0) / SECONDS);
  }

  retried(channel: Channel, provider: string, kind: string): void {
    this.#retried.inc({ channel, provider, kind });
  }

  failed(channel: Channel, provider: string, kind: string): void {
    this.#failed.inc({ channel, provider, kind });
  }

  deadLettered(channel: Channel, provider: string | null, reason: string): void {
    this.#deadLettered.inc({ channel, provider: provider ?? 'none', reason });
  }

  dispatched(latenessMs: number): void {
    this.#lateness.observe(Math.max(latenessMs, 0) / SECONDS);
  }

  batchItem(channel: Channel, provider: string, outcome: 'sent' | 'failed', latencyMs: number): void {
    this.#batchItems.inc({ channel, provider, outcome });
    if (outcome === 'sent') this.#batchLatency.observe({ channel, provider }, Math.max(latencyMs, 0) / SECONDS);
  }

  batchItemRetried(channel: Channel, provider: string, kind: string): void {
    this.#batchRetries.inc({ channel, provider, kind });
  }

  /** Records one HTTP request; `route` is the route template (bounded), never the raw path. */
  httpRequest(method: string, route: string, status: number, durationMs: number): void {
    this.#http.observe({ method, route, status: String(status) }, durationMs / SECONDS);
  }

  /** Reads scrape-time gauges from these sources from now on. */
  observe(sources: GaugeSources): void {
    this.#sources = sources;
    this.#counts.clear();
  }

  /** The media type of {@link render}'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  #registerScrapeGauges(): void {
    const registers = [this.registry];
    const breakerStates = () => this.#read(() => this.#sources.breakerStates?.());
    const queueDepths = () => this.#read(() => this.#sources.queueDepths?.());
    const counts = () => this.#cachedCount('messages', () => this.#sources.messageCounts?.());
    const batchCounts = () => this.#cachedCount('batch_items', () => this.#sources.batchItemCounts?.());
    new Gauge({
      name: 'missive_breaker_state',
      help: 'Circuit breaker state per provider instance: 0 closed, 1 half-open, 2 open.',
      labelNames: ['provider'],
      registers,
      async collect() {
        this.reset();
        for (const { provider, state } of (await breakerStates()) ?? []) this.set({ provider }, BREAKER_STATE_VALUE[state]);
      },
    });
    new Gauge({
      name: 'missive_messages',
      help: 'Messages in the store by status.',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        const value = await counts();
        if (value) for (const status of MESSAGE_STATUSES) this.set({ status }, value[status] ?? 0);
      },
    });
    new Gauge({
      name: 'missive_batch_items',
      help: 'Batch items by status: pending and sending in unfinished batches, sent and failed in all.',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        const value = await batchCounts();
        if (value) for (const status of ITEM_STATUSES) this.set({ status }, value[status] ?? 0);
      },
    });
    new Gauge({
      name: 'missive_queue_depth',
      help: 'Messages waiting in each RabbitMQ queue (channel queues and dead-letter).',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const { queue, depth } of (await queueDepths()) ?? []) this.set({ queue }, depth);
      },
    });
  }

  /** A count by status, from the cache when fresh enough, else from its source. */
  async #cachedCount<Status extends string>(name: string, source: () => Promise<Partial<Record<Status, number>>> | undefined): Promise<Partial<Record<Status, number>> | undefined> {
    const now = this.#clock.now();
    const cached = this.#counts.get(name);
    if (cached && now - cached.at < this.#countCacheMs) return cached.value as Partial<Record<Status, number>>;
    const value = await this.#read(source);
    if (value) this.#counts.set(name, { at: now, value });
    return value;
  }

  /** Calls a source, bounded in time; undefined when absent, failing or too slow. */
  async #read<T>(source: () => Promise<T> | undefined): Promise<T | undefined> {
    let pending: Promise<T> | undefined;
    try {
      pending = source();
    } catch {
      return undefined;
    }
    if (!pending) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#sourceTimeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([pending.catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
