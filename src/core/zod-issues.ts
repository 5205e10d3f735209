import type { z } from 'zod';
import type { Issue } from './errors.js';

/**
 * Formats a zod path as `a.b[2].c`, prefixed with `prefix` when given. A key that is not a plain
 * name (empty, with spaces or dots) is written quoted, `a["my key"]`, so every path names its field.
 */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * `schema.safeParse(value)`, with the offending input attached to each issue when it fails (our
 * messages quote it). Asking zod to report inputs up front costs ten times the parse itself (it
 * leaves zod's fast path), so valid values, the usual case, are parsed without it.
 */
export function safeParseReporting<T>(schema: z.ZodType<T>, value: unknown): z.ZodSafeParseResult<T> {
  const result = schema.safeParse(value);
  return result.success ? result : schema.safeParse(value, { reportInput: true });
}

/**
 * Turns zod issues into Missive issues: a dotted path, a stable rule name and a sentence that
 * names the field. Unknown keys become one issue per key so each path is exact.
 */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = formatPath([...issue.path, key], prefix);
        out.push({ path, rule: 'unknown_key', message: `${path}: unknown key` });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors.every((e) => e.length > 0)) {
      // Report the branch that got furthest rather than a vague "invalid input".
      const deepest = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0] ?? [];
      out.push(...fromZodIssues(deepest, formatPath(issue.path, prefix)));
      continue;
    }
    const path = formatPath(issue.path, prefix);
    const { rule, text } = describe(issue);
    out.push({ path: path || '(root)', rule, message: `${path || '(root)'}: ${text}` });
  }
  return out;
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((issue) => issue.path.length));
}

function describe(issue: z.core.$ZodIssue): { rule: string; text: string } {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return { rule: 'required', text: 'required' };
      return { rule: 'type', text: `must be ${article(issue.expected)}` };
    case 'too_big':
      return { rule: 'max', text: issue.message || `must be at most ${String(issue.maximum)}` };
    case 'too_small':
      return { rule: 'min', text: issue.message || `must be at least ${String(issue.minimum)}` };
    case 'invalid_format':
      return { rule: 'format', text: issue.message };
    case 'invalid_value':
      return { rule: 'enum', text: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'custom': {
      const params = issue.params as { rule?: string } | undefined;
      return { rule: params?.rule ?? 'custom', text: issue.message };
    }
    default:
      return { rule: issue.code, text: issue.message };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
