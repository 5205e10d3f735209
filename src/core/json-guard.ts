import { type Issue, ValidationError } from './errors.js';
import { formatPath } from './zod-issues.js';

/**
 * Deepest nesting of arrays and objects a JSON body may have. Validation and storage walk
 * values recursively, so an unbounded depth (cheap to send within the body limit) would
 * exhaust the stack; 64 levels is far beyond any real message.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Checks a parsed JSON body for what no field may hold, before any schema sees it: nesting
 * deeper than {@link MAX_JSON_DEPTH}; the NUL character (U+0000), which PostgreSQL cannot store
 * in text; and a lone UTF-16 surrogate (JSON's `"\ud800"` escape parses to one), which is not
 * text at all: PostgreSQL refuses it in `jsonb` and UTF-8 cannot encode it. Strings and keys are
 * both checked. Walks iteratively, so the check itself cannot overflow. Returns one issue per
 * offending place (at most 10).
 */
export function jsonBodyIssues(body: unknown): Issue[] {
  const issues: Issue[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: body, path: [] }];
  while (stack.length > 0 && issues.length < 10) {
    const { value, path } = stack.pop() as { value: unknown; path: PropertyKey[] };
    if (typeof value === 'string') {
      const found = unstorable(value);
      if (found) issues.push(issue(path, found.rule, `must not contain ${found.what}`));
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= MAX_JSON_DEPTH) {
      issues.push(issue(path, 'max_depth', `nests deeper than ${MAX_JSON_DEPTH} levels`));
      continue;
    }
    const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
    for (const [key, item] of entries) {
      const found = typeof key === 'string' ? unstorable(key) : undefined;
      if (found) {
        issues.push(issue(path, found.rule, `has a key containing ${found.what}`));
        continue;
      }
      stack.push({ value: item, path: [...path, key] });
    }
  }
  return issues;
}

/** Throws a ValidationError when {@link jsonBodyIssues} finds anything. */
export function assertSafeJsonBody(body: unknown): void {
  const issues = jsonBodyIssues(body);
  if (issues.length > 0) throw new ValidationError(issues);
}

/** What makes a string unstorable, if anything: its rule and a phrase naming it. */
function unstorable(text: string): { rule: string; what: string } | undefined {
  if (text.includes('\u0000')) return { rule: 'nul_character', what: 'the NUL character (U+0000)' };
  if (!text.isWellFormed()) return { rule: 'lone_surrogate', what: 'a lone UTF-16 surrogate (U+D800 to U+DFFF outside a pair)' };
  return undefined;
}

function issue(path: readonly PropertyKey[], rule: string, text: string): Issue {
  const at = formatPath(path) || '(root)';
  return { path: at, rule, message: `${at}: ${text}` };
}
