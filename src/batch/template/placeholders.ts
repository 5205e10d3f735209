/** A placeholder name: a letter or `_`, then letters, digits, `_`, `.` or `-`. */
export const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `{{ name }}`, with optional whitespace inside the braces. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** Anything between double braces: what a placeholder was meant to be, valid or not. */
const BRACED = /\{\{([^{}]*)\}\}/g;

/**
 * A string cut at its placeholders: `literals[i]` comes before the value of placeholder
 * `slots[i]` (an index into the template's list of names); there is one literal more than slots.
 */
export interface SplitText {
  readonly literals: readonly string[];
  readonly slots: readonly number[];
}

/**
 * Cuts `text` at its placeholders, registering each name in `names` (in first-seen order) and
 * pointing at it by index. Returns the text itself when it holds no placeholder.
 */
export function splitText(text: string, names: string[]): SplitText | string {
  if (!text.includes('{{')) return text;
  const literals: string[] = [];
  const slots: number[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] as string;
    let slot = names.indexOf(name);
    if (slot === -1) slot = names.push(name) - 1;
    literals.push(text.slice(last, match.index));
    slots.push(slot);
    last = match.index + match[0].length;
  }
  if (slots.length === 0) return text;
  literals.push(text.slice(last));
  return { literals, slots };
}

/**
 * The `{{…}}` pieces of `text` that are not valid placeholders (e.g. `{{ first name }}`, `{{}}`),
 * which would otherwise be sent as typed. A lone `{{` without a closing pair is left alone.
 */
export function malformedPlaceholders(text: string): string[] {
  if (!text.includes('{{')) return [];
  const found: string[] = [];
  for (const match of text.matchAll(BRACED)) {
    if (!PLACEHOLDER_NAME.test((match[1] as string).trim())) found.push(match[0]);
  }
  return found;
}

/** True when `text` holds at least one valid placeholder. */
export function hasPlaceholder(text: string): boolean {
  return typeof splitText(text, []) !== 'string';
}
