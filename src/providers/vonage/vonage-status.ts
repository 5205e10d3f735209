// Vonage SMS API status codes, as documented at https://developer.vonage.com/en/api-errors/sms
// and https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms.
import {
  PermanentProviderError,
  type ProviderError,
  RateLimitedProviderError,
  RetryableProviderError,
  type VendorDetails,
} from '../errors.js';

/**
 * Statuses that clear up by themselves: 5 internal error. Everything not listed here or in
 * {@link RATE_LIMITED} is permanent: 2/3 missing or invalid parameters, 4 invalid credentials,
 * 6 invalid message, 7 number barred, 8 account barred, 9 partner quota (no credit: needs a top-up
 * by a person, so retrying on a timer only delays the failure), 11 not enabled for HTTP, 12 too
 * long, 14 invalid signature, 15 invalid sender, 22 invalid network code, 23 invalid callback,
 * 29 non-whitelisted destination, 32 signature and secret disallowed, 33 number de-activated, and
 * any status Vonage adds later (not retrying an unknown answer avoids sending twice).
 */
const RETRYABLE = new Set(['5']);

/** 1 throttled (faster than the account's throughput); 10 too many simultaneous binds ("back off and retry"). */
const RATE_LIMITED = new Set(['1', '10']);

/** A failed entry of the SMS API's `messages` array. */
export interface VonageFailure {
  status: string;
  errorText?: string;
  /** The HTTP status of the answer (Vonage answers 200 even for failures). */
  httpStatus: number;
  /** Milliseconds from a Retry-After header, if Vonage sent one. */
  retryAfterMs?: number;
}

/** Maps a non-zero SMS API status to Missive's error kinds. */
export function errorFromVonageStatus(failure: VonageFailure): ProviderError {
  const vendor: VendorDetails = { status: failure.httpStatus, code: failure.status };
  if (failure.errorText !== undefined) vendor.message = failure.errorText;
  const said = `vonage status ${failure.status}${failure.errorText ? `: ${failure.errorText}` : ''}`;
  if (RATE_LIMITED.has(failure.status)) {
    return new RateLimitedProviderError(`vonage rate-limited the request (${said})`, vendor, failure.retryAfterMs);
  }
  if (RETRYABLE.has(failure.status)) return new RetryableProviderError(`vonage failed (${said})`, vendor);
  if (failure.status === '4') return new PermanentProviderError(`vonage refused the credentials (${said})`, vendor);
  return new PermanentProviderError(`vonage rejected the message (${said})`, vendor);
}
