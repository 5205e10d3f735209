// Implements Discord's "Execute Webhook":
//   POST {webhookUrl}?wait=true   (https://discord.com/developers/docs/resources/webhook#execute-webhook)
// with JSON `{ content, username? }`. With `wait=true` Discord answers 200 and the created message
// (`{ id, … }`); without it 204. Errors are `{ message, code }` (401 bad token, 404 code 10015
// "Unknown Webhook", 400 code 50035 "Invalid Form Body"); 429 carries `{ retry_after (seconds,
// float), global }` and a Retry-After header (https://discord.com/developers/docs/topics/rate-limits).
// The webhook is bound to one channel, so the message's `to` is not sent. Content over Discord's
// 2000-character limit fails permanently before any call rather than being split: parts would be
// separate messages that can fail and be retried separately, so one message could arrive half-sent.
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { PermanentProviderError } from '../errors.js';
import { errorFromResponse } from '../http/classify.js';
import { header, httpRequest, parseJson } from '../http/request.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';

/** Discord's limit on a message's `content`, in characters. */
export const DISCORD_MAX_CONTENT = 2000;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' });

const optionsSchema = z.strictObject({
  /** Webhook URL (`https://discord.com/api/webhooks/<id>/<token>`). Required; secret. */
  webhookUrl: httpUrl,
  /** Origin (and path prefix) to use instead of webhookUrl's, e.g. a proxy or a stand-in. Default: webhookUrl's own. */
  baseUrl: httpUrl.optional(),
  /** Default display name (Discord `username`, 1–80 characters). A message's `from` overrides it. Default: the webhook's name. */
  from: z.string().min(1).max(80).optional(),
  /** Per-request timeout in milliseconds, on top of the attempt's own deadline. Default 10000. */
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
});

/** Options of the `discord` provider. */
export type DiscordOptions = z.output<typeof optionsSchema>;

/** Posts chat messages through a Discord webhook. */
export class DiscordProvider implements Provider {
  readonly type = 'discord';
  readonly channels = ['chat'] as const;
  readonly #url: string;

  constructor(
    readonly name: string,
    private readonly options: DiscordOptions,
    private readonly clock: Clock,
  ) {
    const webhook = new URL(options.webhookUrl);
    const url = options.baseUrl === undefined ? webhook : new URL(`${options.baseUrl.replace(/\/+$/, '')}${webhook.pathname}${webhook.search}`);
    url.searchParams.set('wait', 'true');
    this.#url = url.href;
  }

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    const content = message.content.text;
    if (content === undefined || content === '') {
      throw new PermanentProviderError('discord: the message has no text', { code: 'missing_text' });
    }
    const length = [...content].length;
    if (length > DISCORD_MAX_CONTENT) {
      throw new PermanentProviderError(`discord: the text is ${length} characters; Discord allows ${DISCORD_MAX_CONTENT}`, {
        code: 'content_too_long',
      });
    }
    const username = message.from ?? this.options.from;
    const response = await httpRequest('discord', {
      url: this.#url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content, ...(username !== undefined && { username }) }),
      signal,
      timeoutMs: this.options.timeoutMs,
    });
    const body = parseJson(response.text);
    const reply = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (response.status === 204) return { providerMessageId: `discord-${message.id}-${message.attempt}` };
    if (response.status >= 200 && response.status < 300) {
      if (typeof reply.id === 'string' && reply.id !== '') return { providerMessageId: reply.id };
      throw new PermanentProviderError(`discord answered HTTP ${response.status} without a message id`, {
        status: response.status,
        code: 'unexpected_response',
      });
    }
    throw errorFromResponse(
      'discord',
      {
        status: response.status,
        retryAfter: retryAfterOf(reply.retry_after) ?? header(response, 'retry-after'),
        ...(reply.code != null && { vendorCode: String(reply.code) }),
        ...(typeof reply.message === 'string' && { vendorMessage: reply.message }),
      },
      this.clock.now(),
    );
  }
}

/** Factory of the `discord` provider (chat). */
export class DiscordProviderFactory implements ProviderFactory<DiscordOptions> {
  readonly type = 'discord';
  readonly channels = ['chat'] as const;
  readonly optionsSchema = optionsSchema;
  readonly secretOptions = ['webhookUrl'] as const;
  readonly description = 'chat messages through a Discord webhook';

  create(options: DiscordOptions, context: ProviderContext): Provider {
    return new DiscordProvider(context.name, options, context.clock);
  }
}

/** The body's `retry_after` (seconds, a float, more precise than the header) as a Retry-After value. */
function retryAfterOf(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value.toFixed(3) : undefined;
}
