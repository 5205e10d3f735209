import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { CHANNELS } from '../../message/channels.js';
import { RetryableProviderError } from '../errors.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';

const optionsSchema = z.strictObject({
  /** File the delivered messages are appended to, one JSON line each. Default `./.missive/outbox.jsonl`. */
  path: z.string().min(1).default('./.missive/outbox.jsonl'),
});

/** Options of the `outbox` provider. */
export type OutboxOptions = z.output<typeof optionsSchema>;

/** The line written for each delivered message (CONTRACT.md). */
export interface OutboxLine {
  id: string;
  channel: string;
  to: string;
  content: OutgoingMessage['content'];
  from?: string;
  metadata?: OutgoingMessage['metadata'];
  provider: string;
  attempt: number;
  deliveredAt: string;
  delivery: OutgoingMessage['delivery'];
  idempotencyKey: string;
  batchId?: string;
  item?: number;
}

/** Appends every message it "delivers" to a JSON-lines file: for development, tests and audits. */
export class OutboxProvider implements Provider {
  readonly type = 'outbox';
  readonly channels = CHANNELS;
  #stream: WriteStream | undefined;

  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly clock: Clock,
  ) {}

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    if (signal.aborted) throw new RetryableProviderError('outbox: aborted before writing', { code: 'timeout' });
    const line: OutboxLine = {
      id: message.id,
      channel: message.channel,
      to: message.to,
      content: message.content,
      ...(message.from !== undefined && { from: message.from }),
      ...(message.metadata !== undefined && { metadata: message.metadata }),
      provider: this.name,
      attempt: message.attempt,
      deliveredAt: new Date(this.clock.now()).toISOString(),
      delivery: message.delivery,
      idempotencyKey: message.idempotencyKey,
      ...(message.batch && { batchId: message.batch.id, item: message.batch.item }),
    };
    await this.write(`${JSON.stringify(line)}\n`);
    return { providerMessageId: `outbox-${message.id}-${message.attempt}` };
  }

  private write(text: string): Promise<void> {
    return new Promise((done, fail) => {
      let stream: WriteStream;
      try {
        stream = this.#stream ??= this.open();
      } catch (error) {
        fail(new RetryableProviderError(`outbox: cannot open ${this.path}: ${(error as Error).message}`, { code: 'open_failed' }));
        return;
      }
      stream.write(text, (error) => {
        if (error) fail(new RetryableProviderError(`outbox: cannot write ${this.path}: ${error.message}`, { code: 'write_failed' }));
        else done();
      });
    });
  }

  private open(): WriteStream {
    mkdirSync(dirname(this.path), { recursive: true });
    const stream = createWriteStream(this.path, { flags: 'a' });
    // A failed write is reported to its caller through the write callback; this keeps the stream's
    // 'error' event from crashing the process, and the next send reopens the file.
    stream.on('error', () => {
      if (this.#stream === stream) this.#stream = undefined;
    });
    return stream;
  }

  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) await new Promise<void>((done) => stream.end(done));
  }
}

/** Factory of the `outbox` provider (any channel). */
export class OutboxProviderFactory implements ProviderFactory<OutboxOptions> {
  readonly type = 'outbox';
  readonly channels = CHANNELS;
  readonly optionsSchema = optionsSchema;
  readonly description = 'appends each delivered message to a JSON-lines file';

  create(options: OutboxOptions, context: ProviderContext): Provider {
    return new OutboxProvider(context.name, resolve(options.path), context.clock);
  }
}
