import { ValidationError, type Issue } from '../../core/errors.js';
import type { JsonValue } from '../../core/json.js';
import { formatPath } from '../../core/zod-issues.js';
import { isChannel, type Channel } from '../../message/channels.js';
import { parseMessage } from '../../message/schema.js';
import { hasPlaceholder, malformedPlaceholders } from './placeholders.js';
import type { Template } from './template.js';

/** A valid recipient per channel, so the message schema can check everything else of a template. */
const STAND_IN_RECIPIENT: Readonly<Record<Channel, string>> = {
  email: 'recipient@example.com',
  sms: '+15555550100',
  webhook: 'https://example.com/',
  chat: 'recipient',
};

/** Message keys a template may not have, and why. */
const REFUSED_KEYS: ReadonlyArray<readonly [key: string, rule: string, why: string]> = [
  ['to', 'not_allowed', 'a template must not have a recipient; each recipient row gives its own "to"'],
  [
    'idempotencyKey',
    'not_allowed',
    'not allowed in a template; each batch item gets the key "<batchId>:<item number>"',
  ],
  ['delivery', 'not_allowed', 'not allowed in a template; a batch has its own start time'],
];

/**
 * Validates a batch template: a message as parseMessage accepts it (content flat or under
 * `content`), minus `to`, `idempotencyKey` and `delivery`, which are refused rather than ignored
 * so that nobody believes a scheduled time or a key in the template is honoured. Also refuses
 * `{{…}}` that is not a valid placeholder, and placeholders in `provider`. Throws a ValidationError
 * naming every field at fault.
 */
export function parseTemplate(input: unknown): Template {
  if (!isPlainObject(input)) {
    throw new ValidationError([{ path: '(root)', rule: 'type', message: '(root): a template must be a JSON object' }]);
  }
  const issues: Issue[] = [];
  const content = isPlainObject(input['content']) ? input['content'] : undefined;
  for (const [key, rule, why] of REFUSED_KEYS) {
    if (Object.hasOwn(input, key)) issues.push({ path: key, rule, message: `${key}: ${why}` });
    if (content !== undefined && Object.hasOwn(content, key)) {
      issues.push({ path: `content.${key}`, rule, message: `content.${key}: ${why}` });
    }
  }
  const candidate: Record<string, unknown> = withoutRefusedKeys(input);
  if (content !== undefined) candidate['content'] = withoutRefusedKeys(content);
  const channel = input['channel'];
  candidate['to'] = STAND_IN_RECIPIENT[isChannel(channel) ? channel : 'chat'];

  let template: Template | undefined;
  try {
    const { to: _to, delivery: _delivery, idempotencyKey: _key, ...message } = parseMessage(candidate);
    template = message;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
  }
  if (template !== undefined) issues.push(...placeholderIssues(template));
  if (issues.length > 0 || template === undefined) throw new ValidationError(issues);
  // A copy, frozen: the caller's input stays theirs, and the compiled form cached per template
  // object can never go stale.
  return deepFreeze(structuredClone(template));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

function placeholderIssues(template: Template): Issue[] {
  const issues: Issue[] = [];
  const check = (value: JsonValue | undefined, path: PropertyKey[]): void => {
    if (typeof value === 'string') {
      for (const bad of malformedPlaceholders(value)) {
        const where = formatPath(path);
        const text =
          `${JSON.stringify(bad)} is not a valid placeholder; ` +
          'write {{ name }}, the name made of letters, digits, "_", "." or "-"';
        issues.push({ path: where, rule: 'placeholder', message: `${where}: ${text}` });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => check(item, [...path, index]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) check(item, [...path, key]);
    }
  };
  for (const [key, value] of Object.entries(template.content)) check(value as JsonValue, [key]);
  check(template.from, ['from']);
  check(template.metadata, ['metadata']);
  if (template.provider !== undefined && hasPlaceholder(template.provider)) {
    issues.push({ path: 'provider', rule: 'placeholder', message: 'provider: placeholders are not allowed here' });
  }
  return issues;
}

function withoutRefusedKeys(object: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...object };
  for (const [key] of REFUSED_KEYS) delete copy[key];
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
