// Delivers `webhook` messages: POSTs the message's `content.data` as JSON to the message's `to`
// URL, signed the Standard Webhooks way (https://www.standardwebhooks.com/; see signature.ts).
// 2xx is success; a 3xx is never followed (the target could redirect into the private network)
// and fails permanently; 429 is rate-limited with its Retry-After; 408, 5xx, network errors and
// timeouts are retryable; any other 4xx (410 Gone included) is permanent. Targets on non-public
// networks are refused unless `allowPrivateNetworks` is set (see address-guard.ts).
import { Agent } from 'undici';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { PermanentProviderError, ProviderError } from '../errors.js';
import { errorFromResponse } from '../http/classify.js';
import { header, type HttpResponse, httpRequest } from '../http/request.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';
import {
  guardedLookup,
  type HostResolver,
  ipLiteralOf,
  isPrivateAddress,
  PrivateAddressError,
  systemResolver,
} from './address-guard.js';
import { signingKey, signingSecretProblem, signWebhook } from './signature.js';

/** Headers Missive sets itself; a configured header may not replace them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const optionsSchema = z.strictObject({
  /**
   * Signing secret: `whsec_<base64 key>` as Standard Webhooks defines it (the key is the decoded
   * base64). A secret without the `whsec_` prefix is used as raw UTF-8 bytes. Required; secret.
   */
  secret: z.string().superRefine((secret, ctx) => {
    const problem = signingSecretProblem(secret);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { rule: 'format' } });
  }),
  /** Per-request timeout in milliseconds, on top of the attempt's own deadline. Default 10000. */
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
  /** Allow targets on loopback, private, link-local and other non-public addresses. Default false. */
  allowPrivateNetworks: z.boolean().default(false),
  /** Extra static headers sent with every request (names are case-insensitive). Default none. */
  headers: z
    .record(z.string(), z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks'))
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (!HEADER_NAME.test(name)) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name', params: { rule: 'format' } });
        } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'is set by Missive and cannot be configured', params: { rule: 'reserved' } });
        }
      }
    })
    .transform((headers) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])))
    .default({}),
});

/** Options of the `webhook` provider. */
export type WebhookOptions = z.output<typeof optionsSchema>;

/** What the webhook factory needs besides its options. */
export interface WebhookDependencies {
  /** Resolves target host names at connect time. Default: the operating system's resolver. */
  resolveHost?: HostResolver;
}

/** Sends signed JSON POSTs to the URL each message names. */
export class WebhookProvider implements Provider {
  readonly type = 'webhook';
  readonly channels = ['webhook'] as const;
  readonly #key: Buffer;
  // One connection pool per instance, whose connect-time lookup applies the address guard.
  readonly #agent: Agent;

  constructor(
    readonly name: string,
    private readonly options: WebhookOptions,
    private readonly clock: Clock,
    resolveHost: HostResolver,
  ) {
    this.#key = signingKey(options.secret);
    this.#agent = new Agent({ connect: { lookup: guardedLookup(resolveHost, options.allowPrivateNetworks) } });
  }

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    const target = this.target(message.to);
    if (message.content.data === undefined) {
      throw new PermanentProviderError('webhook: the message has no data', { code: 'missing_data' });
    }
    const body = JSON.stringify(message.content.data);
    const timestamp = Math.floor(this.clock.now() / 1000);
    const label = `webhook ${target.origin}`;
    let response: HttpResponse;
    try {
      response = await httpRequest(label, {
        url: target.href,
        method: 'POST',
        headers: {
          ...this.options.headers,
          'content-type': 'application/json',
          'webhook-id': message.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook({ id: message.id, timestamp, body }, this.#key),
        },
        body,
        signal,
        timeoutMs: this.options.timeoutMs,
        dispatcher: this.#agent,
      });
    } catch (error) {
      if (error instanceof ProviderError && error.cause instanceof PrivateAddressError) throw refused(target, error.cause.addresses);
      throw error;
    }
    if (response.status >= 200 && response.status < 300) return { providerMessageId: message.id };
    if (response.status >= 300 && response.status < 400) {
      const location = header(response, 'location') ?? '(none)';
      throw new PermanentProviderError(
        `${label} answered HTTP ${response.status} redirecting to ${location}; redirects are not followed`,
        { status: response.status, code: 'redirect', message: `Location: ${location}` },
      );
    }
    const said = response.text.replace(/\s+/g, ' ').trim().slice(0, 200);
    throw errorFromResponse(
      label,
      { status: response.status, retryAfter: header(response, 'retry-after'), ...(said && { vendorMessage: said }) },
      this.clock.now(),
    );
  }

  /** The target URL, refused early when it is not http(s) or is a non-public IP literal. */
  private target(to: string): URL {
    let url: URL;
    try {
      url = new URL(to);
    } catch {
      throw new PermanentProviderError('webhook: the target is not a URL', { code: 'invalid_url' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PermanentProviderError(`webhook: the target must be http or https, not ${url.protocol}`, { code: 'invalid_url' });
    }
    const literal = ipLiteralOf(url.hostname);
    if (!this.options.allowPrivateNetworks && literal !== undefined && isPrivateAddress(literal)) throw refused(url, [literal]);
    return url;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** Factory of the `webhook` provider (webhook). */
export class WebhookProviderFactory implements ProviderFactory<WebhookOptions> {
  readonly type = 'webhook';
  readonly channels = ['webhook'] as const;
  readonly optionsSchema = optionsSchema;
  // Headers whose names are a credential's (`Authorization`, `Cookie`, `X-Api-Key`, `*-Token`, …)
  // are secrets by their names; the others (`X-Tenant: acme`) are shown, and not scrubbed from
  // every log line of the process, where a value such as `production` would blank out far more.
  readonly secretOptions = ['secret'] as const;
  readonly description = 'signed JSON POSTs (Standard Webhooks) to the URL each message names';
  readonly #resolveHost: HostResolver;

  constructor(dependencies: WebhookDependencies = {}) {
    this.#resolveHost = dependencies.resolveHost ?? systemResolver;
  }

  create(options: WebhookOptions, context: ProviderContext): Provider {
    return new WebhookProvider(context.name, options, context.clock, this.#resolveHost);
  }
}

function refused(target: URL, addresses: readonly string[]): PermanentProviderError {
  return new PermanentProviderError(
    `webhook: refusing ${target.origin}: non-public address ${addresses.join(', ')} (set allowPrivateNetworks to allow)`,
    { code: 'private_address' },
  );
}
