import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpProblemError, problem } from './problem.js';

/** The verdict on a request's credentials. */
export type AuthVerdict = 'ok' | 'missing' | 'invalid';

/**
 * Checks `Authorization: Bearer KEY` against the configured API keys. Keys are kept and compared
 * as SHA-256 digests with `timingSafeEqual`, so the comparison takes the same time whatever the
 * key's length or how much of it matches, and every configured key is compared every time.
 */
export class ApiKeyVerifier {
  readonly #digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.#digests = keys.map(digest);
  }

  /** True when no key is configured: the API is open. */
  get open(): boolean {
    return this.#digests.length === 0;
  }

  /** The verdict on an `Authorization` header value (open mode accepts anything). */
  verify(authorization: string | undefined): AuthVerdict {
    if (this.open) return 'ok';
    const presented = bearerToken(authorization);
    if (presented === undefined) return 'missing';
    const candidate = digest(presented);
    let matched = false;
    for (const known of this.#digests) matched = timingSafeEqual(candidate, known) || matched;
    return matched ? 'ok' : 'invalid';
  }

  /** Throws the 401 problem unless the header carries a valid key. */
  assert(authorization: string | undefined): void {
    const verdict = this.verify(authorization);
    if (verdict === 'ok') return;
    throw unauthorized(verdict);
  }
}

/** The 401 problem for a missing or wrong key, with its `WWW-Authenticate` challenge (RFC 6750). */
export function unauthorized(verdict: Exclude<AuthVerdict, 'ok'>): HttpProblemError {
  if (verdict === 'missing') {
    return new HttpProblemError(problem('unauthorized', 'an API key is required: send Authorization: Bearer <key>'), {
      'www-authenticate': 'Bearer realm="missive"',
    });
  }
  return new HttpProblemError(problem('unauthorized', 'the API key is not valid'), {
    'www-authenticate': 'Bearer realm="missive", error="invalid_token"',
  });
}

/** The token of a `Bearer` credential (scheme case-insensitive, RFC 7235), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  return match?.[1];
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
