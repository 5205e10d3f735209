// Implements Mailgun's Messages API: POST https://api.mailgun.net/v3/{domain_name}/messages with
// HTTP basic auth `api:<API key>` and a form-encoded body of from, to, subject, text and html.
// Mailgun answers 200 `{ id, message: "Queued. Thank you." }`; errors carry `{ message }` (a 401
// may be a bare text body). Mailgun has no idempotency key: Missive's message id and idempotency
// key travel as custom variables (`v:` parameters), which Mailgun returns in its webhooks and
// events, so a duplicate caused by a retry can at least be recognized downstream.
// https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages/post-v3--domain-name--messages
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Channel } from '../../message/channels.js';
import { PermanentProviderError } from '../errors.js';
import { errorFromResponse } from '../http/classify.js';
import { header, httpRequest, parseJson } from '../http/request.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';
import { scrubSecrets } from '../../core/logger.js';

const optionsSchema = z.strictObject({
  /** Mailgun private API key (or a domain sending key). Required; secret. */
  apiKey: z.string().min(1),
  /** Sending domain, e.g. `mg.example.com`. Required. */
  domain: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be a domain name, e.g. mg.example.com'),
  /** Sender used when a message has none; `Name <address>` or a bare address. Default: none. */
  from: z.string().min(1).optional(),
  /** API origin, e.g. `https://api.eu.mailgun.net` for EU domains. Default `https://api.mailgun.net`. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.mailgun.net'),
  /** Longest wait for one request, in milliseconds. Default 10000. */
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
});

/** Options of the `mailgun` provider. */
export type MailgunOptions = z.output<typeof optionsSchema>;

const EMAIL: readonly Channel[] = ['email'];

/** Sends email through Mailgun's Messages API. */
export class MailgunProvider implements Provider {
  readonly type = 'mailgun';
  readonly channels = EMAIL;
  readonly #endpoint: string;
  readonly #authorization: string;

  constructor(
    readonly name: string,
    private readonly options: MailgunOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#endpoint = `${options.baseUrl.replace(/\/+$/, '')}/v3/${options.domain}/messages`;
    this.#authorization = `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`;
  }

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    const from = message.from ?? this.options.from;
    if (from === undefined) {
      throw new PermanentProviderError('mailgun: the message has no `from` and the provider has no `from` option', {
        code: 'missing_from',
      });
    }
    const response = await httpRequest('mailgun', {
      url: this.#endpoint,
      method: 'POST',
      headers: {
        authorization: this.#authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: messagesForm(message, from).toString(),
      signal,
      timeoutMs: this.options.timeoutMs,
    });
    if (response.status >= 200 && response.status < 300) {
      const id = (parseJson(response.text) as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string' && id !== '') return { providerMessageId: id };
      // The message was accepted; failing here would send it twice.
      this.logger.warn({ provider: this.name, status: response.status }, 'mailgun accepted the message without an id');
      return { providerMessageId: `mailgun-${message.id}` };
    }
    const vendorMessage = parseMailgunError(response.text);
    throw errorFromResponse(
      'mailgun',
      {
        status: response.status,
        retryAfter: header(response, 'retry-after') ?? null,
        vendorMessage: vendorMessage === undefined ? undefined : scrubSecrets(vendorMessage, [this.options.apiKey]),
      },
      this.clock.now(),
    );
  }
}

/** The form fields of the Messages API for one message. */
export function messagesForm(message: OutgoingMessage, from: string): URLSearchParams {
  const form = new URLSearchParams({ from, to: message.to, subject: message.content.subject ?? '' });
  if (message.content.text !== undefined) form.set('text', message.content.text);
  if (message.content.html !== undefined) form.set('html', message.content.html);
  form.set('v:missive-message-id', message.id);
  form.set('v:missive-idempotency-key', message.idempotencyKey);
  return form;
}

/** Reads Mailgun's `{ message }`; any other body becomes a short message. */
export function parseMailgunError(text: string): string | undefined {
  const said = (parseJson(text) as { message?: unknown } | undefined)?.message;
  if (typeof said === 'string' && said !== '') return said;
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, 200);
}

/** Factory of the `mailgun` provider (email). */
export class MailgunProviderFactory implements ProviderFactory<MailgunOptions> {
  readonly type = 'mailgun';
  readonly channels = EMAIL;
  readonly optionsSchema = optionsSchema;
  readonly secretOptions = ['apiKey'] as const;
  readonly description = 'sends email through the Mailgun Messages API';

  create(options: MailgunOptions, context: ProviderContext): Provider {
    return new MailgunProvider(context.name, options, context.clock, context.logger);
  }
}
