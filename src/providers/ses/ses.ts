// Implements the Amazon SES API v2 SendEmail operation: POST
// https://email.{region}.amazonaws.com/v2/email/outbound-emails with a JSON body of
// FromEmailAddress, Destination.ToAddresses and Content.Simple (Subject, Body.Text, Body.Html),
// signed with AWS Signature Version 4 for service `ses`. SES answers 200 `{ MessageId }`; errors
// carry `{ message }` with the type in the `x-amzn-ErrorType` header (or `__type`). SES has no
// idempotency key for SendEmail, so none is sent.
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
import { AwsV4Signer } from 'aws4fetch';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Channel } from '../../message/channels.js';
import { PermanentProviderError } from '../errors.js';
import { httpRequest, parseJson } from '../http/request.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';
import { sesError } from './ses-errors.js';
import { scrubSecrets } from '../../core/logger.js';

const optionsSchema = z.strictObject({
  /** AWS region of the SES account, e.g. `eu-west-1`. Required. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region, e.g. eu-west-1'),
  /** Access key id of an IAM identity allowed `ses:SendEmail`. Required. */
  accessKeyId: z.string().min(1),
  /** Its secret access key. Required; secret. */
  secretAccessKey: z.string().min(1),
  /** Session token, for temporary credentials only. Default: none; secret. */
  sessionToken: z.string().min(1).optional(),
  /** Sender used when a message has none; must be a verified identity. Default: none. */
  from: z.string().min(1).optional(),
  /** API origin. Default `https://email.{region}.amazonaws.com`. */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Longest wait for one request, in milliseconds. Default 10000. */
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
});

/** Options of the `ses` provider. */
export type SesOptions = z.output<typeof optionsSchema>;

const EMAIL: readonly Channel[] = ['email'];

/** Sends email through Amazon SES (API v2 SendEmail). */
export class SesProvider implements Provider {
  readonly type = 'ses';
  readonly channels = EMAIL;
  readonly #endpoint: string;
  readonly #secrets: string[];

  constructor(
    readonly name: string,
    private readonly options: SesOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#endpoint = sendEmailUrl(options);
    this.#secrets = [options.secretAccessKey, ...(options.sessionToken === undefined ? [] : [options.sessionToken])];
  }

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    const from = message.from ?? this.options.from;
    if (from === undefined) {
      throw new PermanentProviderError('ses: the message has no `from` and the provider has no `from` option', {
        code: 'missing_from',
      });
    }
    const body = JSON.stringify(sendEmailBody(message, from));
    const headers = await this.sign(body);
    const response = await httpRequest('ses', { url: this.#endpoint, method: 'POST', headers, body, signal, timeoutMs: this.options.timeoutMs });
    if (response.status >= 200 && response.status < 300) {
      const id = (parseJson(response.text) as { MessageId?: unknown } | undefined)?.MessageId;
      if (typeof id === 'string' && id !== '') return { providerMessageId: id };
      // The message was accepted; failing here would send it twice.
      this.logger.warn({ provider: this.name, status: response.status }, 'ses accepted the message without a MessageId');
      return { providerMessageId: `ses-${message.id}` };
    }
    throw sesError(response, this.clock.now(), (text) => this.redact(text));
  }

  /** The request headers, Authorization included, signed with SigV4 at the clock's time. */
  private async sign(body: string): Promise<Record<string, string>> {
    const signer = new AwsV4Signer({
      method: 'POST',
      url: this.#endpoint,
      headers: { 'content-type': 'application/json' },
      body,
      accessKeyId: this.options.accessKeyId,
      secretAccessKey: this.options.secretAccessKey,
      ...(this.options.sessionToken !== undefined && { sessionToken: this.options.sessionToken }),
      service: 'ses',
      region: this.options.region,
      datetime: amzDate(this.clock.now()),
    });
    const signed = await signer.sign();
    return Object.fromEntries(signed.headers.entries());
  }

  private redact(text: string): string {
    return scrubSecrets(text, this.#secrets);
  }
}

/** The SendEmail URL: the regional SES endpoint unless `baseUrl` points elsewhere. */
export function sendEmailUrl(options: Pick<SesOptions, 'region' | 'baseUrl'>): string {
  const baseUrl = options.baseUrl ?? `https://email.${options.region}.amazonaws.com`;
  return `${baseUrl.replace(/\/+$/, '')}/v2/email/outbound-emails`;
}

/** The SendEmail request body for one message. */
export function sendEmailBody(message: OutgoingMessage, from: string): Record<string, unknown> {
  const { subject, text, html } = message.content;
  // SES assumes 7-bit ASCII unless told otherwise.
  const part = (data: string) => ({ Data: data, Charset: 'UTF-8' });
  return {
    FromEmailAddress: encodeDisplayName(from),
    Destination: { ToAddresses: [message.to] },
    Content: {
      Simple: {
        Subject: part(subject ?? ''),
        Body: { ...(text !== undefined && { Text: part(text) }), ...(html !== undefined && { Html: part(html) }) },
      },
    },
  };
}

/**
 * SES takes `Name <address>` but, unlike the other vendors, wants a non-ASCII display name as an
 * RFC 2047 encoded-word; an ASCII one, or a bare address, passes unchanged.
 */
export function encodeDisplayName(mailbox: string): string {
  const match = /^\s*"?(.*?)"?\s*<([^<>]+)>\s*$/.exec(mailbox);
  const name = match?.[1] ?? '';
  // eslint-disable-next-line no-control-regex -- the range is the whole of ASCII
  if (!match || !/[^\x00-\x7f]/.test(name)) return mailbox;
  return `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?= <${match[2]}>`;
}

/** SigV4's `YYYYMMDD'T'HHMMSS'Z'` form of a time. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, '');
}

/** Factory of the `ses` provider (email). */
export class SesProviderFactory implements ProviderFactory<SesOptions> {
  readonly type = 'ses';
  readonly channels = EMAIL;
  readonly optionsSchema = optionsSchema;
  readonly secretOptions = ['secretAccessKey', 'sessionToken'] as const;
  readonly description = 'sends email through Amazon SES (API v2 SendEmail, SigV4-signed)';

  create(options: SesOptions, context: ProviderContext): Provider {
    return new SesProvider(context.name, options, context.clock, context.logger);
  }
}
