import { jsonBodyIssues } from '../../core/json-guard.js';
import type { JsonValue } from '../../core/json.js';
import { refusedRow } from './row-errors.js';
import type { RecipientItem } from './types.js';

/**
 * Turns one parsed JSON value (an NDJSON line or a JSON array element) into a row, or refuses it.
 * A row holding what no field may (a NUL character, a lone surrogate, absurd nesting: see
 * jsonBodyIssues) is refused naming the field, before it can reach the store.
 * `vars` is built by object rest, which defines own properties, so a `__proto__` key stays data.
 */
export function rowFromJsonValue(value: unknown, line: number): RecipientItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refusedRow(line, 'not_object', `must be a JSON object, got ${describeJson(value)}`);
  }
  const [unsafe] = jsonBodyIssues(value);
  if (unsafe !== undefined) return refusedRow(line, unsafe.rule, unsafe.message, unsafe.path === '(root)' ? undefined : unsafe.path);
  const { to, ...vars } = value as Record<string, JsonValue>;
  if (to === undefined) return refusedRow(line, 'missing_to', 'to: required', 'to');
  if (typeof to !== 'string') {
    return refusedRow(line, 'type', `to: must be a string, got ${describeJson(to)}`, 'to');
  }
  const trimmed = to.trim();
  if (trimmed === '') return refusedRow(line, 'missing_to', 'to: must not be empty', 'to');
  return { ok: true, row: { line, to: trimmed, vars } };
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
