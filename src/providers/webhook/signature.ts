// Standard Webhooks signing (https://www.standardwebhooks.com/, spec "Signature scheme"): the
// sender signs `${webhook-id}.${webhook-timestamp}.${body}` with HMAC-SHA256 and sends
// `webhook-signature: v1,<base64 digest>`. Secrets are written `whsec_<base64 key>`.
import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Explains why `secret` cannot be a signing secret, or returns undefined when it can. A `whsec_`
 * secret must carry a non-empty base64 key; any other non-empty string is used as raw bytes.
 */
export function signingSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(PREFIX)) return secret === '' ? 'must not be empty' : undefined;
  const key = secret.slice(PREFIX.length);
  if (key === '' || !BASE64.test(key)) return 'must be whsec_ followed by a base64 key';
  return undefined;
}

/**
 * The HMAC key of a signing secret: the base64-decoded part after `whsec_`, as the spec
 * defines it; a secret without the prefix is used as its raw UTF-8 bytes, for receivers that were
 * given a plain shared secret.
 */
export function signingKey(secret: string): Buffer {
  return secret.startsWith(PREFIX) ? Buffer.from(secret.slice(PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** What one webhook request signs. */
export interface SignedContent {
  /** The `webhook-id` header: the message id, stable across retries (the receiver's idempotency key). */
  id: string;
  /** The `webhook-timestamp` header, in Unix seconds. */
  timestamp: number;
  /** The exact request body. */
  body: string;
}

/** The `webhook-signature` header value: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signWebhook(content: SignedContent, key: Buffer): string {
  const digest = createHmac('sha256', key).update(`${content.id}.${content.timestamp}.${content.body}`).digest('base64');
  return `v1,${digest}`;
}
