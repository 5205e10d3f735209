import type { JsonValue } from '../../core/json.js';
import type { RecipientRow } from '../recipients/types.js';
import { escapeHtml } from './html.js';
import { splitText, type SplitText } from './placeholders.js';
import type { Template } from './template.js';

/** A JSON value with its strings cut at their placeholders; subtrees without any are kept whole. */
type CompiledJson =
  | { kind: 'constant'; value: JsonValue }
  | { kind: 'text'; text: SplitText }
  | { kind: 'array'; items: CompiledJson[] }
  | { kind: 'object'; entries: Array<[string, CompiledJson]> };

/** What filling a template for one row gives: the flat message input, or the columns it lacks. */
export type FillResult = { input: Record<string, unknown> } | { missing: string[] };

/** A template compiled once for many rows. */
export interface CompiledTemplate {
  /** The columns the template uses, each once, in order of first use (may include `to`). */
  readonly placeholders: readonly string[];
  /** Fills the placeholders from `row` (values inserted into `html` are HTML-escaped). */
  fill(row: RecipientRow): FillResult;
}

/**
 * Compiles a template: every templated string is cut into literal and placeholder parts once, so
 * filling a row costs one pass over the output. Values are looked up as `to`, then a column of
 * that exact name, then (for dotted names) a path into nested JSON values, e.g. `{{ user.name }}`.
 */
export function compileTemplate(template: Template): CompiledTemplate {
  const names: string[] = [];
  const { subject, text, html, data } = template.content;
  const compiledSubject = subject === undefined ? undefined : splitText(subject, names);
  const compiledText = text === undefined ? undefined : splitText(text, names);
  const compiledHtml = html === undefined ? undefined : splitText(html, names);
  const compiledData = data === undefined ? undefined : compileJson(data, names);
  const compiledFrom = template.from === undefined ? undefined : splitText(template.from, names);
  const compiledMetadata = template.metadata === undefined ? undefined : compileJson(template.metadata, names);

  const fill = (row: RecipientRow): FillResult => {
    const values: string[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const value = lookUp(row, name);
      if (value === undefined) missing.push(name);
      else values.push(asText(value));
    }
    if (missing.length > 0) return { missing };
    let escaped: string[] | undefined;
    const input: Record<string, unknown> = { channel: template.channel, to: row.to };
    if (compiledSubject !== undefined) input['subject'] = renderText(compiledSubject, values);
    if (compiledText !== undefined) input['text'] = renderText(compiledText, values);
    if (compiledHtml !== undefined) {
      escaped ??= values.map(escapeHtml);
      input['html'] = renderText(compiledHtml, escaped);
    }
    if (compiledData !== undefined) input['data'] = renderJson(compiledData, values);
    if (compiledFrom !== undefined) input['from'] = renderText(compiledFrom, values);
    if (template.provider !== undefined) input['provider'] = template.provider;
    if (compiledMetadata !== undefined) input['metadata'] = renderJson(compiledMetadata, values);
    return { input };
  };

  return { placeholders: Object.freeze([...names]), fill };
}

function compileJson(value: JsonValue, names: string[]): CompiledJson {
  if (typeof value === 'string') {
    const text = splitText(value, names);
    return typeof text === 'string' ? { kind: 'constant', value } : { kind: 'text', text };
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => compileJson(item, names));
    return items.every((item) => item.kind === 'constant') ? { kind: 'constant', value } : { kind: 'array', items };
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]): [string, CompiledJson] => [key, compileJson(item, names)]);
    const constant = entries.every(([, item]) => item.kind === 'constant');
    return constant ? { kind: 'constant', value } : { kind: 'object', entries };
  }
  return { kind: 'constant', value };
}

function renderText(text: SplitText | string, values: readonly string[]): string {
  if (typeof text === 'string') return text;
  let out = text.literals[0] as string;
  for (let i = 0; i < text.slots.length; i++) {
    out += (values[text.slots[i] as number] as string) + (text.literals[i + 1] as string);
  }
  return out;
}

function renderJson(compiled: CompiledJson, values: readonly string[]): JsonValue {
  switch (compiled.kind) {
    case 'constant':
      // Shared between rows: the template is frozen, and messages are serialized, not mutated.
      return compiled.value;
    case 'text':
      return renderText(compiled.text, values);
    case 'array':
      return compiled.items.map((item) => renderJson(item, values));
    case 'object':
      // fromEntries defines own properties, so a `__proto__` key stays plain data.
      return Object.fromEntries(compiled.entries.map(([key, item]) => [key, renderJson(item, values)]));
  }
}

/** The row's value for a placeholder, or undefined when the row has none. */
function lookUp(row: RecipientRow, name: string): JsonValue | undefined {
  if (name === 'to') return row.to;
  if (Object.hasOwn(row.vars, name)) return row.vars[name];
  if (!name.includes('.')) return undefined;
  let value: JsonValue | undefined = row.vars;
  for (const key of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, JsonValue>)[key];
  }
  return value;
}

/** How a value reads inside a string: strings as they are, null as nothing, the rest as JSON. */
function asText(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  return JSON.stringify(value);
}
