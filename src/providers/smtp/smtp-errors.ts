import {
  PermanentProviderError,
  type ProviderError,
  RateLimitedProviderError,
  RetryableProviderError,
  type VendorDetails,
} from '../errors.js';

/** The fields of a nodemailer error the classification reads (see nodemailer's NodemailerError). */
export interface SmtpFailure {
  message?: string;
  /** Nodemailer's code (`EAUTH`, `EENVELOPE`, `ECONNECTION`, …). */
  code?: string;
  /** The socket error code behind an ESOCKET, such as `ECONNREFUSED`. */
  originalCode?: string;
  /** The SMTP reply code, when the server replied. */
  responseCode?: number;
  /** The server's reply line, e.g. `550 5.1.1 <a@b.example>: Recipient address rejected`. */
  response?: string;
}

/** Nodemailer codes that mean "this message or this configuration will never go through as is". */
const PERMANENT_CODES = new Set(['EAUTH', 'ENOAUTH', 'EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'EREQUIRETLS', 'ECONFIG']);

/**
 * Maps a failed SMTP send to Missive's error kinds, by reply code first (RFC 5321: 4yz transient,
 * 5yz permanent) and by nodemailer's code when the server never replied:
 * - 421 (service not available, closing the channel) with an enhanced status 4.7.x ("too many
 *   messages", "try again later") is how servers shed load, so it is rate-limited; SMTP has no
 *   Retry-After, so `retryAfterMs` is undefined and the caller's backoff applies. Any other 421
 *   (a relay shutting down or out of service, often with no enhanced status at all) says the
 *   server is unavailable: retryable, so the circuit breaker counts it;
 * - every other 4yz (450 mailbox busy or greylisted, 451 local error, 452 insufficient storage,
 *   454 temporary auth failure) is retryable;
 * - 503 (bad sequence of commands) is a session-state problem that a new connection clears: retryable;
 * - every other 5yz (535 bad credentials, 550 mailbox unavailable, 553, 554) is permanent;
 * - no reply: refused, dropped or timed-out connections, DNS and TLS failures are retryable;
 *   missing credentials, an unusable envelope or configuration are permanent.
 * `vendor.status` is the reply code and `vendor.code` the enhanced status code (`5.1.1`) when the
 * server gave one, otherwise the library's or socket's code. `redact` strips our secrets.
 */
export function smtpError(failure: SmtpFailure, redact: (text: string) => string = (text) => text): ProviderError {
  const reply = failure.response === undefined ? undefined : redact(failure.response.trim());
  const status = failure.responseCode;
  const vendor: VendorDetails = {};
  if (status !== undefined) vendor.status = status;
  const code = (reply && enhancedStatus(reply)) ?? failure.originalCode ?? failure.code;
  if (code !== undefined) vendor.code = code;
  if (reply) vendor.message = reply;
  const said = reply ? `: ${reply}` : failure.message ? `: ${redact(failure.message)}` : '';

  if (status !== undefined && status >= 400) {
    if (status === 421 && vendor.code?.startsWith('4.7.')) {
      return new RateLimitedProviderError(`smtp: the server is not taking mail now (421)${said}`, vendor);
    }
    if (status === 421) return new RetryableProviderError(`smtp: the server is not available (421)${said}`, vendor);
    if (status < 500 || status === 503) return new RetryableProviderError(`smtp: temporary failure (${status})${said}`, vendor);
    if (status === 535 || failure.code === 'EAUTH') {
      return new PermanentProviderError(`smtp: the server refused the credentials (${status})${said}`, vendor);
    }
    return new PermanentProviderError(`smtp: the server rejected the message (${status})${said}`, vendor);
  }
  if (failure.code !== undefined && PERMANENT_CODES.has(failure.code)) {
    return new PermanentProviderError(`smtp: cannot send (${failure.code})${said}`, vendor);
  }
  return new RetryableProviderError(`smtp: connection failed (${code ?? 'unknown'})${said}`, vendor);
}

/** The RFC 3463 enhanced status code of a reply line, such as `5.1.1`. */
function enhancedStatus(reply: string): string | undefined {
  return /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1];
}
