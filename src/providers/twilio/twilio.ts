// Implements Twilio Programmable Messaging, "Create a Message resource":
//   POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json
//   (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource)
// HTTP basic auth `AccountSid:AuthToken`; form-encoded `To`, `From` (or `MessagingServiceSid`),
// `Body`. Success is 201 with the Message resource (`{ sid, status, … }`); a failure carries
// `{ code, message, more_info, status }` (https://www.twilio.com/docs/usage/twilios-response),
// e.g. 21211 invalid 'To' (400), 20003 authentication (401), 20429 too many requests (429).
// Twilio's SDK is large, so this speaks the documented HTTP API directly.
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { PermanentProviderError } from '../errors.js';
import { errorFromResponse } from '../http/classify.js';
import { header, httpRequest, parseJson } from '../http/request.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';

const optionsSchema = z.strictObject({
  /** Account SID (`AC` and 32 hex digits): the basic-auth user and part of the URL. Required. */
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID (AC followed by 32 hex digits)'),
  /** Auth Token of that account: the basic-auth password. Required; secret. */
  authToken: z.string().min(1),
  /** Default sender: an E.164 number, short code or alphanumeric sender ID. A message's `from` overrides it. Default: none. */
  from: z.string().min(1).optional(),
  /** Messaging Service SID (`MG…`) to send through when no sender is known. Default: none. */
  messagingServiceSid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/, 'must be a Messaging Service SID (MG followed by 32 hex digits)')
    .optional(),
  /** API origin, so that tests or a proxy can stand in for Twilio. Default `https://api.twilio.com`. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).default('https://api.twilio.com'),
  /** Per-request timeout in milliseconds, on top of the attempt's own deadline. Default 10000. */
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
});

/** Options of the `twilio` provider. */
export type TwilioOptions = z.output<typeof optionsSchema>;

/** Sends SMS through Twilio's Messages resource. */
export class TwilioProvider implements Provider {
  readonly type = 'twilio';
  readonly channels = ['sms'] as const;
  readonly #endpoint: string;
  readonly #authorization: string;

  constructor(
    readonly name: string,
    private readonly options: TwilioOptions,
    private readonly clock: Clock,
  ) {
    const base = options.baseUrl.replace(/\/+$/, '');
    this.#endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
    this.#authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  }

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    const form = this.form(message);
    const response = await httpRequest('twilio', {
      url: this.#endpoint,
      method: 'POST',
      headers: {
        authorization: this.#authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      signal,
      timeoutMs: this.options.timeoutMs,
    });
    const body = asRecord(parseJson(response.text));
    if (response.status >= 200 && response.status < 300) {
      if (typeof body?.sid === 'string' && body.sid !== '') return { providerMessageId: body.sid };
      // Twilio accepted the message, so a retry could send it twice; this only happens when
      // baseUrl points at something that is not Twilio.
      throw new PermanentProviderError(`twilio answered HTTP ${response.status} without a message sid`, {
        status: response.status,
        code: 'unexpected_response',
      });
    }
    throw errorFromResponse(
      'twilio',
      {
        status: response.status,
        retryAfter: header(response, 'retry-after'),
        ...(body?.code != null && { vendorCode: String(body.code) }),
        ...(typeof body?.message === 'string' && { vendorMessage: body.message }),
      },
      this.clock.now(),
    );
  }

  private form(message: OutgoingMessage): URLSearchParams {
    const text = message.content.text;
    if (text === undefined || text === '') {
      throw new PermanentProviderError('twilio: the message has no text', { code: 'missing_text' });
    }
    const form = new URLSearchParams({ To: message.to, Body: text });
    const from = message.from ?? this.options.from;
    if (from !== undefined) form.set('From', from);
    if (this.options.messagingServiceSid !== undefined) form.set('MessagingServiceSid', this.options.messagingServiceSid);
    if (!form.has('From') && !form.has('MessagingServiceSid')) {
      throw new PermanentProviderError('twilio: no sender: give the message a from, or the provider a from or messagingServiceSid', {
        code: 'missing_from',
      });
    }
    return form;
  }
}

/** Factory of the `twilio` provider (sms). */
export class TwilioProviderFactory implements ProviderFactory<TwilioOptions> {
  readonly type = 'twilio';
  readonly channels = ['sms'] as const;
  readonly optionsSchema = optionsSchema;
  readonly secretOptions = ['authToken'] as const;
  readonly description = 'SMS through the Twilio Messages API';

  create(options: TwilioOptions, context: ProviderContext): Provider {
    return new TwilioProvider(context.name, options, context.clock);
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
