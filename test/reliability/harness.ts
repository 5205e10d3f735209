import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadSettings } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { type MissiveProcess, spawnMissive, writeConfig } from '../support/process.js';
import { deleteTopology, TEST_AMQP_URL, uniquePrefix } from '../support/rabbitmq.js';
import { createTestDatabase, type StoreKind, type TestDatabase } from '../support/stores.js';
import { recordResult, tally } from './results.js';

export const run = promisify(execFile);

/** Waits `ms` milliseconds. */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One fault-injection scenario: its own database and queues, an outbox file every process
 * delivers to, `missive` child processes, and a producer in the test process that remembers
 * which sends were accepted.
 */
export class Scenario {
  readonly accepted = new Set<string>();
  readonly processes: MissiveProcess[] = [];
  readonly started = Date.now();
  rejectedSends = 0;

  private constructor(
    readonly name: string,
    readonly kind: StoreKind,
    readonly database: TestDatabase,
    readonly prefix: string,
    readonly outboxPath: string,
    readonly env: Record<string, string>,
    readonly runtime: Runtime,
  ) {}

  static async create(name: string, kind: StoreKind, config: Record<string, unknown> = {}): Promise<Scenario> {
    const database = await createTestDatabase(kind);
    const prefix = uniquePrefix('rel');
    const outboxPath = join(mkdtempSync(join(tmpdir(), 'missive-rel-')), 'outbox.jsonl');
    const configPath = writeConfig({ providers: { inbox: { type: 'outbox', path: outboxPath } }, ...config });
    const env = {
      MISSIVE_CONFIG: configPath,
      MISSIVE_DATABASE_URL: database.url,
      MISSIVE_AMQP_URL: TEST_AMQP_URL,
      MISSIVE_AMQP_PREFIX: prefix,
    };
    const settings = loadSettings({ env: { ...env, MISSIVE_LOG_LEVEL: 'silent' } });
    const runtime = await Runtime.open({ ...settings, log: { level: 'silent' } }, { logger: createLogger({ level: 'silent' }) });
    return new Scenario(name, kind, database, prefix, outboxPath, env, runtime);
  }

  /** Starts a `missive` role process and waits until it runs. */
  async start(role: 'worker' | 'scheduler' | 'start' | 'serve' | 'batch runner', env: Record<string, string> = {}): Promise<MissiveProcess> {
    const child = spawnMissive(role.split(' '), { ...this.env, ...env });
    this.processes.push(child);
    const deadline = Date.now() + 30_000;
    while (!child.output().includes('missive is running')) {
      if (Date.now() > deadline) throw new Error(`missive ${role} did not start:\n${child.output()}`);
      if (child.child.exitCode !== null) throw new Error(`missive ${role} exited:\n${child.output()}`);
      await pause(50);
    }
    return child;
  }

  /** Kills a process with SIGKILL and waits for it to be gone. */
  async kill(child: MissiveProcess): Promise<void> {
    child.kill('SIGKILL');
    await child.exited;
  }

  /**
   * Sends `count` messages at about `perSecond`, remembering the ids of accepted ones. A send
   * that fails (the store is down) was not accepted: the caller was told so.
   */
  async sendStream(count: number, perSecond: number, make: (i: number) => unknown): Promise<void> {
    const producer = await this.runtime.producer();
    const started = Date.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / perSecond;
      if (due > Date.now()) await pause(due - Date.now());
      pending.push(
        producer.send(make(i)).then(
          (receipt) => {
            this.accepted.add(receipt.id);
          },
          () => {
            this.rejectedSends++;
          },
        ),
      );
    }
    await Promise.all(pending);
  }

  /**
   * The same through the HTTP API of a `serve` process: a message is accepted when the API
   * answered 202 (a refused or failed request is not).
   */
  async sendStreamOverHttp(api: string, count: number, perSecond: number, make: (i: number) => unknown): Promise<void> {
    const started = Date.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / perSecond;
      if (due > Date.now()) await pause(due - Date.now());
      pending.push(
        fetch(`${api}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(make(i)) }).then(
          async (response) => {
            if (response.status === 202) this.accepted.add(((await response.json()) as { id: string }).id);
            else this.rejectedSends++;
          },
          () => {
            this.rejectedSends++;
          },
        ),
      );
    }
    await Promise.all(pending);
  }

  /** The API address a `serve` or `start` process logged when it came up. */
  apiOf(child: MissiveProcess): string {
    const line = child.output().split('\n').find((text) => text.includes('missive is running')) ?? '{}';
    const api = (JSON.parse(line) as { api?: string }).api;
    if (!api) throw new Error('the process serves no API');
    return api;
  }

  /** The message ids the outbox received, one per delivery (a line cut by a kill is skipped). */
  deliveries(): string[] {
    return this.outboxLines().map((line) => line.id);
  }

  /** Every delivery the outbox recorded, in order (a line cut by a kill is skipped). */
  outboxLines(): OutboxLine[] {
    let text = '';
    try {
      text = readFileSync(this.outboxPath, 'utf8');
    } catch {
      return [];
    }
    const lines: OutboxLine[] = [];
    for (const line of text.split('\n')) {
      try {
        lines.push(JSON.parse(line) as OutboxLine);
      } catch {
        // empty or cut short
      }
    }
    return lines;
  }

  /** Waits until every accepted message was delivered, or the time is up. */
  async waitForDeliveries(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (tally(this.accepted, this.deliveries()).lost === 0) return;
      await pause(250);
    }
  }

  /** Accepted, delivered, lost and duplicated, from the outbox as it is now. */
  counts(): ReturnType<typeof tally> {
    return tally(this.accepted, this.deliveries());
  }

  /** Counts, records the result for RELIABILITY.md, and returns it. */
  finish(notes: string): ReturnType<typeof tally> {
    const counts = this.counts();
    if (counts.lost > 0) {
      for (const child of this.processes) console.error(`--- ${child.child.spawnargs.at(-1)} (exit ${child.child.exitCode}):\n${child.output().slice(-3000)}`);
    }
    recordResult({ scenario: this.name, store: this.kind, ...counts, notes, seconds: (Date.now() - this.started) / 1000 });
    return counts;
  }

  async cleanup(): Promise<void> {
    for (const child of this.processes) child.kill('SIGKILL');
    await Promise.all(this.processes.map((child) => child.exited));
    await this.runtime.close().catch(() => undefined);
    await this.database.drop().catch(() => undefined);
    await deleteTopology(this.prefix).catch(() => undefined);
  }
}

/** What the outbox provider writes per delivery (the fields the scenarios read). */
export interface OutboxLine {
  id: string;
  deliveredAt: string;
  delivery: { mode: 'immediate' | 'scheduled'; at?: string };
}

/** Milliseconds from each scheduled message's due time to its first delivery: p50, p99, max. */
export function deliveryLateness(lines: readonly OutboxLine[]): { p50: number; p99: number; max: number } {
  const first = new Map<string, number>();
  for (const line of lines) {
    if (line.delivery.at === undefined || first.has(line.id)) continue;
    first.set(line.id, Date.parse(line.deliveredAt) - Date.parse(line.delivery.at));
  }
  const late = [...first.values()].sort((a, b) => a - b);
  const at = (q: number) => late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: late.at(-1) ?? 0 };
}

/** A small message; `i` makes each one distinct. */
export const message = (i: number) => ({ channel: 'chat', to: '#reliability', text: `message ${i}` });
