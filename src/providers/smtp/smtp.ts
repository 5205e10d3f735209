// Sends email over SMTP (RFC 5321 submission, with STARTTLS when the server offers it or implicit
// TLS with `secure`) through one pooled nodemailer transport per provider instance.
// https://nodemailer.com/smtp/pooled/
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import type { Channel } from '../../message/channels.js';
import { PermanentProviderError, RetryableProviderError } from '../errors.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';
import { type SmtpFailure, smtpError } from './smtp-errors.js';
import { scrubSecrets } from '../../core/logger.js';

const optionsSchema = z
  .strictObject({
    /** SMTP server host name or address. Required. */
    host: z.string().min(1),
    /** SMTP server port. Default 465 when `secure`, otherwise 587. */
    port: z.number().int().min(1).max(65_535).optional(),
    /** Implicit TLS from the first byte (port 465); when false, STARTTLS is used if offered. Default false. */
    secure: z.boolean().default(false),
    /** User name for SMTP AUTH. Default: none (no authentication). */
    user: z.string().min(1).optional(),
    /** Password for SMTP AUTH; required with `user`. Default: none; secret. */
    pass: z.string().min(1).optional(),
    /** Sender used when a message has none; `Name <address>` or a bare address. Default: none. */
    from: z.string().min(1).optional(),
    /** Longest wait for one send, connection and greeting included, in milliseconds. Default 10000. */
    timeoutMs: z.number().int().positive().max(300_000).default(10_000),
    /** Most connections kept open to the server at once. Default 5. */
    maxConnections: z.number().int().positive().default(5),
  })
  .refine((options) => (options.user === undefined) === (options.pass === undefined), {
    path: ['pass'],
    message: 'user and pass go together: give both or neither',
  });

/** Options of the `smtp` provider. */
export type SmtpOptions = z.output<typeof optionsSchema>;

/** One email as handed to the transport. */
export interface SmtpMail {
  from: string;
  to: string;
  subject?: string;
  text?: string;
  html?: string;
  messageId: string;
  signal: AbortSignal;
}

/** The part of a nodemailer transport the provider uses, so a test can stand in a fake. */
export interface SmtpTransportLike {
  sendMail(mail: SmtpMail): Promise<{ messageId: string }>;
  /** With `force`, also closes connections in the middle of a delivery. */
  close(options?: { force?: boolean }): void;
}

/**
 * How long a send may go on settling after its signal aborted before the transport is presumed
 * stuck and replaced. Nodemailer's pool normally fails an aborted send at once by closing its
 * connection; this is the backstop should it not.
 */
const STUCK_AFTER_ABORT_MS = 1000;

const EMAIL: readonly Channel[] = ['email'];

/** Sends email through an SMTP server over a pool of connections. */
export class SmtpProvider implements Provider {
  readonly type = 'smtp';
  readonly channels = EMAIL;
  #transport: SmtpTransportLike;

  constructor(
    readonly name: string,
    private readonly options: SmtpOptions,
    private readonly createTransport: () => SmtpTransportLike,
    private readonly logger: Logger,
    private readonly stuckAfterAbortMs = STUCK_AFTER_ABORT_MS,
  ) {
    this.#transport = createTransport();
  }

  async send(message: OutgoingMessage, context: SendContext): Promise<SendResult> {
    const from = message.from ?? this.options.from;
    if (from === undefined) {
      throw new PermanentProviderError('smtp: the message has no `from` and the provider has no `from` option', { code: 'missing_from' });
    }
    const signal = AbortSignal.any([context.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    if (signal.aborted) throw timedOut(signal.reason);
    const { subject, text, html } = message.content;
    const transport = this.#transport;
    const messageId = messageIdFor(message.idempotencyKey, from);
    const sending = transport.sendMail({ from, to: message.to, subject, text, html, messageId, signal });
    try {
      const info = await untilSettledOrAborted(sending, signal, this.stuckAfterAbortMs, () => this.replace(transport));
      return { providerMessageId: info.messageId || messageId };
    } catch (error) {
      if (signal.aborted) throw timedOut(error);
      const failure: SmtpFailure = typeof error === 'object' && error !== null ? error : { message: String(error) };
      throw smtpError(failure, (said) => this.redact(said));
    }
  }

  async close(): Promise<void> {
    // Idle connections close now; one in the middle of a delivery finishes it first.
    this.#transport.close();
  }

  /** Swaps a transport whose aborted send never settled for a fresh one, and tears the old one down. */
  private replace(stuck: SmtpTransportLike): void {
    if (this.#transport !== stuck) return;
    this.logger.warn({ provider: this.name }, 'smtp: an aborted send did not settle; replacing the connection pool');
    this.#transport = this.createTransport();
    stuck.close({ force: true });
  }

  private redact(text: string): string {
    return this.options.pass === undefined ? text : scrubSecrets(text, [this.options.pass]);
  }
}

/**
 * Settles with `promise`, or rejects as soon as `signal` aborts so the caller never waits on a hung
 * server. If `promise` is still pending `stuckAfterMs` after the abort, `onStuck` runs.
 */
function untilSettledOrAborted<T>(promise: Promise<T>, signal: AbortSignal, stuckAfterMs: number, onStuck: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      reject(signal.reason);
      setTimeout(() => {
        if (!settled) onStuck();
      }, stuckAfterMs).unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        settled = true;
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function timedOut(cause: unknown): RetryableProviderError {
  return new RetryableProviderError('smtp: the send timed out or was aborted', { code: 'timeout' }, { cause });
}

/**
 * The Message-ID of a message: derived from its idempotency key, so every attempt carries the same
 * one and receivers that drop duplicate Message-IDs (Gmail does) drop a duplicate a retry caused.
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'missive.invalid';
  return `<${digest}.missive@${domain}>`;
}

/** Builds the pooled nodemailer transport for a provider's options. */
export function createNodemailerTransport(options: SmtpOptions): SmtpTransportLike {
  return nodemailer.createTransport({
    pool: true,
    host: options.host,
    port: options.port ?? (options.secure ? 465 : 587),
    secure: options.secure,
    ...(options.user !== undefined && { auth: { user: options.user, pass: options.pass ?? '' } }),
    maxConnections: options.maxConnections,
    // Retries belong to Missive's resilience layer; one requeue only covers a pooled connection
    // the server closed while it sat idle.
    maxRequeues: 1,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    // Message content is data, never a path or URL to load.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
}

/** Factory of the `smtp` provider (email). */
export class SmtpProviderFactory implements ProviderFactory<SmtpOptions> {
  readonly type = 'smtp';
  readonly channels = EMAIL;
  readonly optionsSchema = optionsSchema;
  readonly secretOptions = ['pass'] as const;
  readonly description = 'sends email through an SMTP server (pooled connections)';

  create(options: SmtpOptions, context: ProviderContext): Provider {
    return new SmtpProvider(context.name, options, () => createNodemailerTransport(options), context.logger);
  }
}
