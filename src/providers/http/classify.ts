import {
  PermanentProviderError,
  type ProviderError,
  RateLimitedProviderError,
  RetryableProviderError,
  type VendorDetails,
} from '../errors.js';
import { parseRetryAfter } from './retry-after.js';

/** A vendor's failed HTTP response, reduced to what classification needs. */
export interface FailedResponse {
  status: number;
  /** The Retry-After header, if any. */
  retryAfter?: string | null;
  /** The vendor's error code and message, parsed from its error body by the provider. */
  vendorCode?: string;
  vendorMessage?: string;
}

/**
 * Maps a vendor's non-success HTTP status to Missive's error kinds: 429 is rate-limited (with the
 * parsed Retry-After), 408 and 5xx are retryable, 401/403 and every other 4xx are permanent.
 */
export function errorFromResponse(provider: string, response: FailedResponse, now: number): ProviderError {
  const vendor: VendorDetails = { status: response.status };
  if (response.vendorCode !== undefined) vendor.code = response.vendorCode;
  if (response.vendorMessage !== undefined) vendor.message = response.vendorMessage;
  const said = response.vendorMessage ? `: ${response.vendorMessage}` : '';
  const status = response.status;
  if (status === 429) {
    return new RateLimitedProviderError(
      `${provider} rate-limited the request (HTTP 429)${said}`,
      vendor,
      parseRetryAfter(response.retryAfter, now),
    );
  }
  if (status === 408 || status >= 500) {
    return new RetryableProviderError(`${provider} failed with HTTP ${status}${said}`, vendor);
  }
  if (status === 401 || status === 403) {
    return new PermanentProviderError(`${provider} refused the credentials (HTTP ${status})${said}`, vendor);
  }
  return new PermanentProviderError(`${provider} rejected the request (HTTP ${status})${said}`, vendor);
}
