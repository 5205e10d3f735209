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
 * deeper than {@link MAX_JSON_DEPTH}, and the NUL character (U+0000) in a string or key, which
 * PostgreSQL cannot store in text. Walks iteratively, so the check itself cannot overflow.
 * Returns one issue per offending place (at most 10).
 */
export function jsonBodyIssues(body: unknown): Issue[] {
  const issues: Issue[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: body, path: [] }];
  while (stack.length > 0 && issues.length < 10) {
    const { value, path } = stack.pop() as { value: unknown; path: PropertyKey[] };
    if (typeof value === 'string') {
      if (value.includes('\u0000')) issues.push(issue(path, 'nul_character', 'must not contain the NUL character (U+0000)'));
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= MAX_JSON_DEPTH) {
      issues.push(issue(path, 'max_depth', `nests deeper than ${MAX_JSON_DEPTH} levels`));
      continue;
    }
    const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
    for (const [key, item] of entries) {
      if (typeof key === 'string' && key.includes('\u0000')) {
        issues.push(issue(path, 'nul_character', 'has a key containing the NUL character (U+0000)'));
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

function issue(path: readonly PropertyKey[], rule: string, text: string): Issue {
  const at = formatPath(path) || '(root)';
  return { path: at, rule, message: `${at}: ${text}` };
}
