/**
 * The contract between the harness and each system under test (Missive, amqplib, BullMQ, …).
 *
 * A system only moves messages: it sends them and hands each one it consumes to the harness's
 * handler. The harness owns everything measured — clocks, CPU, in-flight bounds, completion,
 * caps — so every system is timed by the same code. See bench/README.md for a worked example.
 */

/** A backing service whose processes the harness watches for CPU. */
export type ServiceName = 'rabbitmq' | 'postgres' | 'redis';

/** Every backing service, in report order. */
export const SERVICE_NAMES: readonly ServiceName[] = ['rabbitmq', 'postgres', 'redis'];

/** One message the harness asks a system to carry. */
export interface BenchMessage {
  /** Sequence number; the system must hand it back to the handler unchanged. */
  readonly seq: number;
  /** Epoch ms at which the message is due, or null to deliver it at once. */
  readonly dueAt: number | null;
  /** Filler text sized so the serialized message is about the scenario's payload size. */
  readonly payload: string;
}

/**
 * Called by the system once per consumed message, inside the consumer and BEFORE the message is
 * acknowledged/completed, exactly as a user's handler would be.
 */
export type MessageHandler = (seq: number) => void;

/** Where the backing services are, and the knobs every system is asked to match. */
export interface RunContext {
  /** Unique per run, `[a-z0-9]` only: derive every queue, key prefix and schema name from it. */
  readonly runId: string;
  /** Messages a consumer may hold at once (AMQP prefetch, worker concurrency, batch size). */
  readonly concurrency: number;
  /** Connection strings of the backing services. */
  readonly urls: ServiceUrls;
}

/** Connection strings of the backing services. */
export interface ServiceUrls {
  readonly amqp: string;
  readonly postgres: string;
  readonly redis: string;
}

/** One run's instance of a system. Created fresh in a child process for every run. */
export interface BenchSystem {
  /** Opens connections and creates this run's queues/schemas. Not timed. */
  setup(): Promise<void>;
  /** Starts consuming; resolves once the consumers are ready. Calls `handler` per message. */
  startWorkers(handler: MessageHandler): Promise<void>;
  /** Stops consuming; messages still queued stay queued. */
  stopWorkers(): Promise<void>;
  /**
   * Enqueues one message the way a user would, resolving once the system has accepted it
   * durably (as durably as it can: see the definition's `durability`). `dueAt` is non-null only
   * when the definition declares `scheduling: true`.
   */
  send(message: BenchMessage): Promise<void>;
  /**
   * Optional bulk enqueue, used only to pre-fill a backlog or a schedule before timing starts.
   * Without it the harness falls back to `send` with bounded concurrency.
   */
  sendMany?(messages: readonly BenchMessage[]): Promise<void>;
  /**
   * Optional: figures only the system itself can see (for Missive, how late its scheduler
   * published, as opposed to when the handler ran), read after a scenario and before teardown.
   * Reported in a table of their own, as medians of the runs like everything else.
   */
  internalMetrics?(): Promise<Readonly<Record<string, number>>>;
  /**
   * Closes connections and removes everything named after this run. Must also work on a fresh
   * instance that never ran `setup` (the harness calls it that way after killing a hung run).
   */
  teardown(): Promise<void>;
}

/** A setting value shown in the report. */
export type SettingValue = string | number | boolean;

/** Facts about the running services that a durability note may depend on. */
export interface ServiceFacts {
  /** Whether Redis persists anything to disk (RDB snapshots or AOF); null when unknown. */
  readonly redisPersistent: boolean | null;
  /** PostgreSQL `fsync` and `synchronous_commit`, e.g. `fsync=on, synchronous_commit=on`. */
  readonly postgresDurability: string | null;
}

/** How a system is compared: the subject (Missive), a peer, or the raw ceiling. */
export type SystemRole = 'subject' | 'peer' | 'ceiling';

/** What the registry knows about a system before any run. */
export interface SystemDefinition {
  /** Short unique name, used by `--only` and in every table, e.g. `bullmq`. */
  readonly name: string;
  /** `subject` systems are compared against every other; `ceiling` is the raw-broker bound. */
  readonly role: SystemRole;
  /** Services it needs; they are checked before the runs and their CPU is attributed to it. */
  readonly services: readonly ServiceName[];
  /** Whether it can deliver at a given time (scheduled scenarios; backlog of due messages). */
  readonly scheduling: boolean;
  /** Why not, when `scheduling` is false; shown in the table. */
  readonly schedulingNote?: string;
  /** Settings that matter for the comparison (concurrency, polling, queue type…). */
  readonly settings: Readonly<Record<string, SettingValue>>;
  /** npm packages whose installed versions are reported. */
  readonly packages: readonly string[];
  /** One line on what survives a crash, given what the services on this machine do. */
  durability(facts: ServiceFacts): string;
  /** Creates this run's instance. */
  create(context: RunContext): BenchSystem;
  /** Optional: removes whatever earlier, interrupted benches left behind; called before the runs. */
  sweep?(urls: ServiceUrls): Promise<void>;
}
