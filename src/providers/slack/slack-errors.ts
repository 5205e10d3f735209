// How Slack's error strings map to Missive's error kinds. Sources: the Web API's common errors and
// chat.postMessage's own (https://docs.slack.dev/reference/methods/chat.postMessage#errors), rate
// limits (https://docs.slack.dev/apis/web-api/rate-limits).
import { PermanentProviderError, type ProviderError, RateLimitedProviderError, RetryableProviderError } from '../errors.js';

/** Errors that mean "slow down": the Web API's `ratelimited`, chat.postMessage's `rate_limited`, and workspace-wide limits. */
const RATE_LIMITED = new Set(['ratelimited', 'rate_limited', 'message_limit_exceeded']);

/** Errors Slack documents as transient on its side. */
const RETRYABLE = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** Errors about the token or the app's rights, reported as refused credentials. */
const CREDENTIALS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'org_login_required',
  'ekm_access_denied',
  'access_denied',
]);

/** What Slack said in a `{ ok: false, error }` answer. */
export interface SlackFailure {
  /** Slack's error string, e.g. `channel_not_found`. */
  error: string;
  /** The HTTP status of the answer (the Web API answers 200 even on errors). */
  httpStatus: number;
  /** Milliseconds from a Retry-After header, if any. */
  retryAfterMs?: number;
}

/**
 * Maps a Web API error string to an error kind: rate limits are rate-limited, Slack's own
 * transient failures retryable, and everything else (bad token, channel_not_found, is_archived,
 * msg_too_long, errors Slack adds later) permanent, since resending changes nothing. Non-2xx
 * answers are classified by their HTTP status instead (errorFromResponse).
 */
export function errorFromSlack(failure: SlackFailure): ProviderError {
  const vendor = { status: failure.httpStatus, code: failure.error, message: failure.error };
  const said = `: ${failure.error}`;
  if (RATE_LIMITED.has(failure.error)) {
    return new RateLimitedProviderError(`slack rate-limited the request${said}`, vendor, failure.retryAfterMs);
  }
  if (RETRYABLE.has(failure.error)) return new RetryableProviderError(`slack failed${said}`, vendor);
  if (CREDENTIALS.has(failure.error)) return new PermanentProviderError(`slack refused the credentials${said}`, vendor);
  return new PermanentProviderError(`slack rejected the message${said}`, vendor);
}
