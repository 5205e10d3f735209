import type { RecipientRow, RowError } from '../recipients/types.js';
import { validateRowMessage, type RowMessageResult } from '../recipients/validate-message.js';
import { compileTemplate, type CompiledTemplate } from './compile.js';
import type { Template } from './template.js';

const compiled = new WeakMap<Template, CompiledTemplate>();

/** The compiled form of `template`, compiled on first use and kept as long as the template object. */
function compiledFor(template: Template): CompiledTemplate {
  let found = compiled.get(template);
  if (found === undefined) {
    found = compileTemplate(template);
    compiled.set(template, found);
  }
  return found;
}

/**
 * Makes one row's message: fills the template's placeholders from the row (HTML-escaped in `html`)
 * and validates the result with parseMessage, so a `to` wrong for the channel, an empty subject or
 * an oversized message is that row's error. A placeholder naming a column the row lacks is an error
 * (rule `missing_column`), never an empty string. Returns the error; does not throw.
 */
export function renderTemplate(template: Template, row: RecipientRow): RowMessageResult {
  const filled = compiledFor(template).fill(row);
  if ('missing' in filled) return { error: missingColumnError(filled.missing, row.line) };
  return validateRowMessage(filled.input, row.line);
}

/** The columns a template uses, each once, in order of first use, to check a CSV header up front. */
export function templatePlaceholders(template: Template): string[] {
  return [...compiledFor(template).placeholders];
}

function missingColumnError(missing: readonly string[], line: number): RowError {
  const quoted = missing.map((name) => `"${name}"`).join(', ');
  const reason =
    missing.length === 1
      ? `no value for {{ ${missing[0]} }}: the row has no ${quoted} column`
      : `no values for ${missing.map((name) => `{{ ${name} }}`).join(', ')}: the row has no ${quoted} columns`;
  return { line, rule: 'missing_column', field: missing[0] as string, reason };
}
