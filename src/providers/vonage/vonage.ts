// Implements the Vonage (formerly Nexmo) SMS API, "Send an SMS":
//   POST {baseUrl}/sms/json   (https://developer.vonage.com/en/api/sms#send-an-sms)
// Form-encoded `api_key`, `api_secret`, `from`, `to` (E.164 without the leading '+'), `text`,
// `type` (`unicode` when the text leaves the GSM 7-bit alphabet) and `client-ref`. Vonage answers
// HTTP 200 even on failure: `{ "message-count": "1", "messages": [{ "status": "0",
// "message-id": … }] }`, where a non-zero `status` with `error-text` is the error
// (see vonage-status.ts). A long text is split by Vonage into parts, one array entry each.
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { PermanentProviderError } from '../errors.js';
import { errorFromResponse } from '../http/classify.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { header, httpRequest, parseJson } from '../http/request.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';
import { errorFromVonageStatus } from './vonage-status.js';

const optionsSchema = z.strictObject({
  /** Vonage API key. Required. */
  apiKey: z.string().min(1),
  /** Vonage API secret. Required; secret. */
  apiSecret: z.string().min(1),
  /** Default sender: a number (E.164, '+' optional) or an alphanumeric sender ID. A message's `from` overrides it. Default: none. */
  from: z.string().min(1).optional(),
  /** API origin, so that tests or a proxy can stand in for Vonage. Default `https://rest.nexmo.com`. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).default('https://rest.nexmo.com'),
  /** Per-request timeout in milliseconds, on top of the attempt's own deadline. Default 10000. */
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
});

/** Options of the `vonage` provider. */
export type VonageOptions = z.output<typeof optionsSchema>;

/** The GSM 03.38 alphabet (basic set and extension table) that a `text`-type SMS can carry. */
const GSM_7BIT = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà' +
    '\f^{}\\[~]|€',
);

/** True when `text` needs `type=unicode` (UCS-2) to arrive intact. */
export function needsUnicode(text: string): boolean {
  for (const char of text) if (!GSM_7BIT.has(char)) return true;
  return false;
}

/** Sends SMS through the Vonage SMS API. */
export class VonageProvider implements Provider {
  readonly type = 'vonage';
  readonly channels = ['sms'] as const;
  readonly #endpoint: string;

  constructor(
    readonly name: string,
    private readonly options: VonageOptions,
    private readonly clock: Clock,
  ) {
    this.#endpoint = `${options.baseUrl.replace(/\/+$/, '')}/sms/json`;
  }

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    const response = await httpRequest('vonage', {
      url: this.#endpoint,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: this.form(message).toString(),
      signal,
      timeoutMs: this.options.timeoutMs,
    });
    const now = this.clock.now();
    if (response.status < 200 || response.status >= 300) {
      const text = response.text.trim().slice(0, 200);
      throw errorFromResponse(
        'vonage',
        { status: response.status, retryAfter: header(response, 'retry-after'), ...(text && { vendorMessage: text }) },
        now,
      );
    }
    const parts = messagesOf(parseJson(response.text));
    if (parts === undefined || parts.length === 0) {
      throw new PermanentProviderError(`vonage answered HTTP ${response.status} without a messages array`, {
        status: response.status,
        code: 'unexpected_response',
      });
    }
    // One failed part fails the send: Vonage cannot resend a single part, so the whole text is retried.
    const failed = parts.find((part) => part.status !== '0');
    if (failed) {
      const retryAfterMs = parseRetryAfter(header(response, 'retry-after'), now);
      throw errorFromVonageStatus({
        status: failed.status,
        httpStatus: response.status,
        ...(failed.errorText !== undefined && { errorText: failed.errorText }),
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      });
    }
    const ids = parts.map((part) => part.messageId).filter((id): id is string => id !== undefined && id !== '');
    if (ids.length === 0) {
      throw new PermanentProviderError('vonage accepted the message without a message-id', {
        status: response.status,
        code: 'unexpected_response',
      });
    }
    return { providerMessageId: ids.join(',') };
  }

  private form(message: OutgoingMessage): URLSearchParams {
    const text = message.content.text;
    if (text === undefined || text === '') {
      throw new PermanentProviderError('vonage: the message has no text', { code: 'missing_text' });
    }
    const from = message.from ?? this.options.from;
    if (from === undefined) {
      throw new PermanentProviderError('vonage: no sender: give the message or the provider a from', { code: 'missing_from' });
    }
    const form = new URLSearchParams({
      api_key: this.options.apiKey,
      api_secret: this.options.apiSecret,
      // Vonage wants numbers in E.164 without the '+'; alphanumeric sender IDs pass unchanged.
      from: /^\+\d+$/.test(from) ? from.slice(1) : from,
      to: message.to.replace(/^\+/, ''),
      text,
      'client-ref': message.id.slice(0, 100),
    });
    if (needsUnicode(text)) form.set('type', 'unicode');
    return form;
  }
}

/** Factory of the `vonage` provider (sms). */
export class VonageProviderFactory implements ProviderFactory<VonageOptions> {
  readonly type = 'vonage';
  readonly channels = ['sms'] as const;
  readonly optionsSchema = optionsSchema;
  readonly secretOptions = ['apiSecret'] as const;
  readonly description = 'SMS through the Vonage (Nexmo) SMS API';

  create(options: VonageOptions, context: ProviderContext): Provider {
    return new VonageProvider(context.name, options, context.clock);
  }
}

interface VonagePart {
  status: string;
  messageId?: string;
  errorText?: string;
}

/** The `messages` array of an SMS API answer, or undefined when the body is not one. */
function messagesOf(body: unknown): VonagePart[] | undefined {
  if (typeof body !== 'object' || body === null || !('messages' in body) || !Array.isArray(body.messages)) return undefined;
  return (body.messages as unknown[]).map((entry) => {
    const part = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
    const status = part.status;
    return {
      // Vonage documents `status` as a string; a number is tolerated, and a missing one is not success.
      status: typeof status === 'string' || typeof status === 'number' ? String(status) : 'missing',
      ...(typeof part['message-id'] === 'string' && { messageId: part['message-id'] }),
      ...(typeof part['error-text'] === 'string' && { errorText: part['error-text'] }),
    };
  });
}
