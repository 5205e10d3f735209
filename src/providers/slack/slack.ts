// Posts chat messages to Slack, in one of two modes chosen by the options:
// - incoming webhook (`webhookUrl`): POST {webhookUrl} with JSON `{ text }`
//   (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks). Slack answers
//   200 `ok`, or a 4xx/5xx with a plain-text error (`invalid_payload`, `no_text`,
//   `channel_not_found`, `invalid_token`, …), or 429 with Retry-After. The webhook is bound to one
//   channel, so the message's `to` is not sent; the provider message id is generated
//   (`slack-webhook-<message id>-<attempt>`) since Slack returns none.
// - Web API (`token`): POST {baseUrl}/chat.postMessage with `Authorization: Bearer <token>` and
//   JSON `{ channel: to, text }` (https://docs.slack.dev/reference/methods/chat.postMessage).
//   Slack answers HTTP 200 `{ ok: true, channel, ts }` or `{ ok: false, error }` (slack-errors.ts),
//   and 429 with Retry-After when rate-limited. The provider message id is the `ts`.
// In both modes a sender (`from`) becomes Slack's `username`, which Slack honours only where the
// app may customize its name (the chat:write.customize scope, legacy webhooks) and ignores otherwise.
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { PermanentProviderError } from '../errors.js';
import { errorFromResponse } from '../http/classify.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { header, type HttpResponse, httpRequest, parseJson } from '../http/request.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';
import { errorFromSlack } from './slack-errors.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' });

const optionsSchema = z
  .strictObject({
    /** Incoming webhook URL (`https://hooks.slack.com/services/…`). Give this or `token`, not both. Secret. */
    webhookUrl: httpUrl.optional(),
    /** Bot or user token (`xoxb-…`) for chat.postMessage. Give this or `webhookUrl`, not both. Secret. */
    token: z.string().min(1).optional(),
    /** Web API origin and path, used with `token`. Default `https://slack.com/api`. */
    baseUrl: httpUrl.default('https://slack.com/api'),
    /** Default display name (Slack `username`). A message's `from` overrides it. Default: the app's own name. */
    from: z.string().min(1).max(80).optional(),
    /** Per-request timeout in milliseconds, on top of the attempt's own deadline. Default 10000. */
    timeoutMs: z.number().int().positive().max(300_000).default(10_000),
  })
  .superRefine((options, ctx) => {
    if (options.webhookUrl === undefined && options.token === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhookUrl'],
        message: 'required: give webhookUrl (incoming webhook) or token (Web API)',
        params: { rule: 'required' },
      });
    } else if (options.webhookUrl !== undefined && options.token !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'give either webhookUrl or token, not both',
        params: { rule: 'conflict' },
      });
    }
  });

/** Options of the `slack` provider. */
export type SlackOptions = z.output<typeof optionsSchema>;

/** Posts chat messages through a Slack incoming webhook or chat.postMessage. */
export class SlackProvider implements Provider {
  readonly type = 'slack';
  readonly channels = ['chat'] as const;

  constructor(
    readonly name: string,
    private readonly options: SlackOptions,
    private readonly clock: Clock,
  ) {}

  async send(message: OutgoingMessage, context: SendContext): Promise<SendResult> {
    const text = message.content.text;
    if (text === undefined || text === '') {
      throw new PermanentProviderError('slack: the message has no text', { code: 'missing_text' });
    }
    const username = message.from ?? this.options.from;
    const payload = { text, ...(username !== undefined && { username }) };
    if (this.options.webhookUrl !== undefined) return this.sendToWebhook(this.options.webhookUrl, message, payload, context);
    return this.postMessage(this.options.token ?? '', { channel: message.to, ...payload }, context);
  }

  private async sendToWebhook(
    webhookUrl: string,
    message: OutgoingMessage,
    payload: object,
    { signal }: SendContext,
  ): Promise<SendResult> {
    const response = await this.post(webhookUrl, {}, payload, signal);
    if (response.status >= 200 && response.status < 300) return { providerMessageId: `slack-webhook-${message.id}-${message.attempt}` };
    const error = response.text.trim().slice(0, 200);
    throw this.failed(response, error);
  }

  private async postMessage(token: string, payload: object, { signal }: SendContext): Promise<SendResult> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/chat.postMessage`;
    const response = await this.post(url, { authorization: `Bearer ${token}` }, payload, signal);
    const body = parseJson(response.text);
    const reply = typeof body === 'object' && body !== null ? (body as { ok?: unknown; error?: unknown; ts?: unknown }) : {};
    const error = typeof reply.error === 'string' ? reply.error : '';
    if (response.status < 200 || response.status >= 300) throw this.failed(response, error);
    if (reply.ok === true && typeof reply.ts === 'string' && reply.ts !== '') return { providerMessageId: reply.ts };
    if (reply.ok === false && error !== '') {
      const retryAfterMs = parseRetryAfter(header(response, 'retry-after'), this.clock.now());
      throw errorFromSlack({ error, httpStatus: response.status, ...(retryAfterMs !== undefined && { retryAfterMs }) });
    }
    throw new PermanentProviderError(`slack answered HTTP ${response.status} without ok and ts`, {
      status: response.status,
      code: 'unexpected_response',
    });
  }

  private post(url: string, headers: Record<string, string>, payload: object, signal: AbortSignal): Promise<HttpResponse> {
    return httpRequest('slack', {
      url,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(payload),
      signal,
      timeoutMs: this.options.timeoutMs,
    });
  }

  /** A non-2xx answer, classified by status; `error` is Slack's error string when it gave one. */
  private failed(response: HttpResponse, error: string) {
    return errorFromResponse(
      'slack',
      {
        status: response.status,
        retryAfter: header(response, 'retry-after'),
        ...(/^[a-z_]+$/.test(error) && { vendorCode: error }),
        ...(error !== '' && { vendorMessage: error }),
      },
      this.clock.now(),
    );
  }
}

/** Factory of the `slack` provider (chat). */
export class SlackProviderFactory implements ProviderFactory<SlackOptions> {
  readonly type = 'slack';
  readonly channels = ['chat'] as const;
  readonly optionsSchema = optionsSchema;
  readonly secretOptions = ['webhookUrl', 'token'] as const;
  readonly description = 'chat messages through a Slack incoming webhook or chat.postMessage';

  create(options: SlackOptions, context: ProviderContext): Provider {
    return new SlackProvider(context.name, options, context.clock);
  }
}
