import type { BenchMessage, BenchSystem, MessageHandler, SystemDefinition } from './system.js';

/**
 * A system without any service: messages wait in an array until due and workers run. It is the
 * smallest complete implementation of the contract, used by the harness's own tests; it is not
 * registered, since it measures nothing real.
 */
export class InMemorySystem implements BenchSystem {
  private handler: MessageHandler | undefined;
  private readonly waiting: number[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Messages ever accepted, for tests. */
  accepted = 0;
  tornDown = false;

  constructor(private readonly now: () => number = Date.now) {}

  async setup(): Promise<void> {}

  async startWorkers(handler: MessageHandler): Promise<void> {
    this.handler = handler;
    for (const seq of this.waiting.splice(0)) this.deliver(seq);
  }

  async stopWorkers(): Promise<void> {
    this.handler = undefined;
  }

  async send(message: BenchMessage): Promise<void> {
    this.accepted += 1;
    const delay = message.dueAt === null ? 0 : message.dueAt - this.now();
    if (delay <= 0) {
      this.deliver(message.seq);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.deliver(message.seq);
    }, delay);
    this.timers.add(timer);
  }

  async teardown(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.waiting.length = 0;
    this.tornDown = true;
  }

  private deliver(seq: number): void {
    setImmediate(() => {
      if (this.handler === undefined) this.waiting.push(seq);
      else this.handler(seq);
    });
  }
}

/** A definition around `InMemorySystem`, for tests. */
export function inMemoryDefinition(options: { scheduling: boolean; name?: string }): SystemDefinition {
  return {
    name: options.name ?? 'in-memory',
    role: 'peer',
    services: [],
    scheduling: options.scheduling,
    settings: {},
    packages: [],
    durability: () => 'none: process memory',
    create: () => new InMemorySystem(),
  };
}
