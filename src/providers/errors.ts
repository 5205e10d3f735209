import { MissiveError } from '../core/errors.js';

/** How a failed send should be treated: retried, retried after a wait, or given up. */
export type ProviderErrorKind = 'retryable' | 'rate_limited' | 'permanent';

/** What the vendor said about a failure, as far as it said anything. */
export interface VendorDetails {
  /** HTTP status (or SMTP reply code). */
  status?: number;
  /** The vendor's own error code. */
  code?: string;
  /** The vendor's own error message (never containing our secrets). */
  message?: string;
}

/** Marks provider errors so they are recognized even from another copy of this module (a plugin's). */
const PROVIDER_ERROR = Symbol.for('missive.ProviderError');

/**
 * Base of the errors a provider throws. The resilience layer decides by `kind` alone and never
 * reads vendor details; those are carried for people and for the message's history.
 */
export abstract class ProviderError extends MissiveError {
  abstract readonly kind: ProviderErrorKind;
  readonly [PROVIDER_ERROR] = true;
  constructor(
    message: string,
    readonly vendor: VendorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A failure worth retrying: network error, timeout, 5xx. */
export class RetryableProviderError extends ProviderError {
  readonly kind = 'retryable';
  readonly code = 'provider_retryable';
}

/** The vendor asked us to slow down (429); `retryAfterMs` is its Retry-After, when it gave one. */
export class RateLimitedProviderError extends ProviderError {
  readonly kind = 'rate_limited';
  readonly code = 'provider_rate_limited';
  constructor(
    message: string,
    vendor: VendorDetails = {},
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, vendor, options);
  }
}

/** A failure that will not go away by retrying: bad credentials, invalid recipient, other 4xx. */
export class PermanentProviderError extends ProviderError {
  readonly kind = 'permanent';
  readonly code = 'provider_permanent';
}

/**
 * Normalizes anything a provider threw. Provider errors pass through; an abort or timeout becomes
 * retryable with code `timeout`; anything else (a bug in a plugin, a network error from a library)
 * is treated as retryable, because giving up on a message for an unknown reason would lose it.
 */
export function toProviderError(error: unknown): ProviderError {
  if (isProviderError(error)) return error;
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new RetryableProviderError('the provider call timed out or was aborted', { code: 'timeout' }, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return new RetryableProviderError(
    `unexpected provider failure: ${message}`,
    typeof code === 'string' ? { code } : {},
    { cause: error },
  );
}

/**
 * True for a ProviderError, including one built by another copy of Missive's module (a plugin
 * that bundles its own), which `instanceof` would not recognize.
 */
export function isProviderError(error: unknown): error is ProviderError {
  if (error instanceof ProviderError) return true;
  const candidate = error as { [PROVIDER_ERROR]?: unknown; kind?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate[PROVIDER_ERROR] === true &&
    (candidate.kind === 'retryable' || candidate.kind === 'rate_limited' || candidate.kind === 'permanent')
  );
}
