// Implements SendGrid's v3 Mail Send endpoint: POST https://api.sendgrid.com/v3/mail/send with
// `Authorization: Bearer <API key>` and a JSON body of personalizations, from, subject and content
// (text/plain first, then text/html, as SendGrid requires). SendGrid answers 202 Accepted with the
// message id in the `X-Message-Id` header, and errors as `{ errors: [{ message, field, help }] }`;
// its 429 carries `X-RateLimit-Reset` (Unix seconds). SendGrid has no idempotency key: Missive's
// message id and idempotency key travel as `custom_args`, which SendGrid echoes in its event
// webhooks, so a duplicate caused by a retry can at least be recognized downstream.
// https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Channel } from '../../message/channels.js';
import { PermanentProviderError, type ProviderError, RateLimitedProviderError } from '../errors.js';
import { errorFromResponse } from '../http/classify.js';
import { header, type HttpResponse, httpRequest, parseJson } from '../http/request.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';
import { scrubSecrets } from '../../core/logger.js';

const optionsSchema = z.strictObject({
  /** SendGrid API key with the Mail Send permission. Required; secret. */
  apiKey: z.string().min(1),
  /** Sender used when a message has none; `Name <address>` or a bare address. Default: none. */
  from: z.string().min(1).optional(),
  /** API origin, e.g. `https://api.eu.sendgrid.com` for EU subusers. Default `https://api.sendgrid.com`. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.sendgrid.com'),
  /** Longest wait for one request, in milliseconds. Default 10000. */
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
});

/** Options of the `sendgrid` provider. */
export type SendGridOptions = z.output<typeof optionsSchema>;

const EMAIL: readonly Channel[] = ['email'];

/** Sends email through SendGrid's v3 Mail Send API. */
export class SendGridProvider implements Provider {
  readonly type = 'sendgrid';
  readonly channels = EMAIL;
  readonly #endpoint: string;

  constructor(
    readonly name: string,
    private readonly options: SendGridOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#endpoint = `${options.baseUrl.replace(/\/+$/, '')}/v3/mail/send`;
  }

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    const from = message.from ?? this.options.from;
    if (from === undefined) {
      throw new PermanentProviderError('sendgrid: the message has no `from` and the provider has no `from` option', {
        code: 'missing_from',
      });
    }
    const response = await httpRequest('sendgrid', {
      url: this.#endpoint,
      method: 'POST',
      headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(mailSendBody(message, from)),
      signal,
      timeoutMs: this.options.timeoutMs,
    });
    if (response.status >= 200 && response.status < 300) {
      const id = header(response, 'x-message-id');
      if (id) return { providerMessageId: id };
      // 200 (sandbox mode) or a proxy may omit the id; the message was accepted all the same, and
      // failing here would send it twice.
      this.logger.warn({ provider: this.name, status: response.status }, 'sendgrid accepted the message without an X-Message-Id');
      return { providerMessageId: `sendgrid-${message.id}` };
    }
    throw this.failure(response);
  }

  private failure(response: HttpResponse): ProviderError {
    const { vendorCode, vendorMessage } = parseSendGridError(response.text);
    const now = this.clock.now();
    const error = errorFromResponse(
      'sendgrid',
      {
        status: response.status,
        retryAfter: header(response, 'retry-after') ?? null,
        vendorCode,
        vendorMessage: vendorMessage === undefined ? undefined : scrubSecrets(vendorMessage, [this.options.apiKey]),
      },
      now,
    );
    if (error instanceof RateLimitedProviderError && error.retryAfterMs === undefined) {
      // SendGrid documents X-RateLimit-Reset (the Unix second the window reopens) rather than Retry-After.
      const reset = Number(header(response, 'x-ratelimit-reset'));
      if (Number.isFinite(reset) && reset > 0) {
        return new RateLimitedProviderError(error.message, error.vendor, Math.max(0, reset * 1000 - now));
      }
    }
    return error;
  }
}

/** The Mail Send request body for one message. */
export function mailSendBody(message: OutgoingMessage, from: string): Record<string, unknown> {
  const { subject, text, html } = message.content;
  // SendGrid rejects a request whose text/plain part does not come first.
  const content: { type: string; value: string }[] = [];
  if (text !== undefined) content.push({ type: 'text/plain', value: text });
  if (html !== undefined) content.push({ type: 'text/html', value: html });
  return {
    personalizations: [{ to: [{ email: message.to }] }],
    from: parseMailbox(from),
    subject,
    content,
    custom_args: { missive_message_id: message.id, missive_idempotency_key: message.idempotencyKey },
  };
}

/** Splits `Name <address>` into SendGrid's `{ email, name }`; a bare address has no name. */
export function parseMailbox(mailbox: string): { email: string; name?: string } {
  const match = /^\s*"?(.*?)"?\s*<([^<>]+)>\s*$/.exec(mailbox);
  if (!match) return { email: mailbox.trim() };
  const name = match[1]?.trim() ?? '';
  const email = match[2]?.trim() ?? '';
  return name === '' ? { email } : { email, name };
}

/** Reads SendGrid's `{ errors: [{ message, field, help }] }`; any other body becomes a short message. */
export function parseSendGridError(text: string): { vendorCode?: string; vendorMessage?: string } {
  const body = parseJson(text);
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const parts = errors.map((error: unknown) => {
      const { message, field } = (error ?? {}) as { message?: unknown; field?: unknown };
      const said = typeof message === 'string' ? message : 'unknown error';
      return typeof field === 'string' && field !== '' ? `${field}: ${said}` : said;
    });
    // SendGrid has no error codes; the field at fault is the only machine-readable detail.
    const field = (errors[0] as { field?: unknown } | null)?.field;
    return { ...(typeof field === 'string' && field !== '' && { vendorCode: field }), vendorMessage: parts.join('; ') };
  }
  const trimmed = text.trim();
  return trimmed === '' ? {} : { vendorMessage: trimmed.slice(0, 200) };
}

/** Factory of the `sendgrid` provider (email). */
export class SendGridProviderFactory implements ProviderFactory<SendGridOptions> {
  readonly type = 'sendgrid';
  readonly channels = EMAIL;
  readonly optionsSchema = optionsSchema;
  readonly secretOptions = ['apiKey'] as const;
  readonly description = 'sends email through the SendGrid v3 Mail Send API';

  create(options: SendGridOptions, context: ProviderContext): Provider {
    return new SendGridProvider(context.name, options, context.clock, context.logger);
  }
}
