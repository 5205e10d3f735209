import { redactUrl } from '../core/logger.js';

/** A provider instance's options as they may be shown, and the secret values taken out of them. */
export interface RedactedOptions {
  /** The options with secret values replaced by `[REDACTED]` and URL passwords by `***`. */
  options: Record<string, unknown>;
  /** Every secret value found, for scrubbing errors and log lines. */
  secrets: string[];
}

/**
 * Names that look secret even when a plugin forgets to declare them, at any depth: so also the
 * credential headers of a webhook (`Authorization`, `Cookie`, `X-Api-Key`, `X-Auth-Token`, …).
 */
const SECRET_NAME = /(secret|password|pass$|token|api[-_]?key|key$|auth|cookie|credential|webhookurl)/i;
/** A string that is a URL with a scheme, which may carry a password in its userinfo. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const REDACTED = '[REDACTED]';

/**
 * Redacts an instance's raw options. `secretPaths` are the factory's `secretOptions`: option
 * names, or dotted paths into object options where `*` stands for every key (`headers.*`). A
 * secret option holding an object has every string inside it taken as secret. Options whose
 * name looks secret are redacted too, and a URL's password is masked wherever a URL appears.
 */
export function redactOptions(raw: Record<string, unknown>, secretPaths: readonly string[]): RedactedOptions {
  const secrets: string[] = [];
  const patterns = secretPaths.map((path) => path.split('.'));
  const options = redactObject(raw, patterns, secrets);
  return { options, secrets };
}

function redactObject(value: Record<string, unknown>, patterns: readonly string[][], secrets: string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => {
      const matching = patterns.filter(([head]) => head === key || head === '*');
      if (SECRET_NAME.test(key) || matching.some((pattern) => pattern.length === 1)) {
        collectStrings(child, secrets);
        return [key, REDACTED];
      }
      return [key, redactValue(child, matching.map((pattern) => pattern.slice(1)), secrets)];
    }),
  );
}

function redactValue(value: unknown, patterns: readonly string[][], secrets: string[]): unknown {
  if (typeof value === 'string') return URL_LIKE.test(value) ? redactUrlOption(value, secrets) : value;
  if (Array.isArray(value)) {
    return value.map((item, index) => redactValue(item, patterns.filter(([head]) => head === String(index) || head === '*').map((p) => p.slice(1)), secrets));
  }
  if (typeof value === 'object' && value !== null) return redactObject(value as Record<string, unknown>, patterns, secrets);
  return value;
}

/** Masks the password of a URL option and records it (as written and decoded) as a secret. */
function redactUrlOption(value: string, secrets: string[]): string {
  let password: string;
  try {
    password = new URL(value).password;
  } catch {
    return redactUrl(value);
  }
  if (password === '') return value;
  secrets.push(password);
  const decoded = safeDecode(password);
  if (decoded !== password) secrets.push(decoded);
  return redactUrl(value);
}

function collectStrings(value: unknown, secrets: string[]): void {
  if (typeof value === 'string') secrets.push(value);
  else if (Array.isArray(value)) value.forEach((item) => collectStrings(item, secrets));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((item) => collectStrings(item, secrets));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
