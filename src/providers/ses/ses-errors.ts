import { type ProviderError, RateLimitedProviderError } from '../errors.js';
import { errorFromResponse } from '../http/classify.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { header, type HttpResponse, parseJson } from '../http/request.js';

/**
 * Error types that mean "slow down" whatever their status: SES v2 answers an exceeded sending
 * rate with TooManyRequestsException (429), and the AWS common ThrottlingException comes as 400.
 */
const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);

/** The error type and message of an SES v2 (AWS restJson) error response. */
export function parseSesError(response: HttpResponse): { type?: string; message?: string } {
  const body = parseJson(response.text) as { __type?: unknown; code?: unknown; message?: unknown; Message?: unknown } | undefined;
  // `x-amzn-ErrorType: MessageRejected:http://internal.amazon.com/...`; `__type` may carry a
  // `namespace#` prefix instead.
  const rawType = header(response, 'x-amzn-errortype') ?? stringOrUndefined(body?.__type) ?? stringOrUndefined(body?.code);
  const type = rawType?.split(':')[0]?.split('#').pop()?.trim() || undefined;
  const message = stringOrUndefined(body?.message) ?? stringOrUndefined(body?.Message) ?? (body === undefined ? shortText(response.text) : undefined);
  return { ...(type !== undefined && { type }), ...(message !== undefined && { message }) };
}

/**
 * Classifies an SES failure: throttling types are rate-limited at any status, the rest by HTTP
 * status (4xx such as MessageRejected, MailFromDomainNotVerifiedException or AccountSuspendedException
 * permanent, 5xx retryable). `redact` removes our secrets from what AWS echoes back.
 */
export function sesError(response: HttpResponse, now: number, redact: (text: string) => string): ProviderError {
  const { type, message } = parseSesError(response);
  const vendorMessage = message === undefined ? undefined : redact(message);
  const retryAfter = header(response, 'retry-after') ?? null;
  if (type !== undefined && THROTTLING.has(type) && response.status !== 429) {
    const said = vendorMessage ? `: ${vendorMessage}` : '';
    return new RateLimitedProviderError(
      `ses rate-limited the request (${type}, HTTP ${response.status})${said}`,
      { status: response.status, code: type, ...(vendorMessage !== undefined && { message: vendorMessage }) },
      parseRetryAfter(retryAfter, now),
    );
  }
  return errorFromResponse('ses', { status: response.status, retryAfter, vendorCode: type, vendorMessage }, now);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function shortText(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, 200);
}
