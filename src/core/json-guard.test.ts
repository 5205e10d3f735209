import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { assertSafeJsonBody, jsonBodyIssues, MAX_JSON_DEPTH } from './json-guard.js';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

describe('jsonBodyIssues', () => {
  it('accepts ordinary bodies, however wide', () => {
    expect(jsonBodyIssues({ channel: 'chat', to: '#a', text: 'hi', metadata: { a: [1, 2, { b: null }] } })).toEqual([]);
    expect(jsonBodyIssues(Array.from({ length: 10_000 }, (_, i) => ({ i })))).toEqual([]);
    expect(jsonBodyIssues(null)).toEqual([]);
    expect(jsonBodyIssues(nested(MAX_JSON_DEPTH))).toEqual([]);
  });

  it('refuses nesting deeper than the limit, without overflowing on huge depths', () => {
    expect(jsonBodyIssues(nested(MAX_JSON_DEPTH + 1))[0]).toMatchObject({ rule: 'max_depth' });
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown;
    expect(jsonBodyIssues(deep)).toHaveLength(1);
  });

  it('names each string or key holding a NUL character', () => {
    const issues = jsonBodyIssues({ to: 'a\u0000b', metadata: { 'k\u0000': 'v', list: ['ok', '\u0000'] } });
    expect(issues.map((issue) => issue.path).sort()).toEqual(['metadata', 'metadata.list[1]', 'to']);
    expect(issues.every((issue) => issue.rule === 'nul_character')).toBe(true);
  });

  it('names each string or key holding a lone UTF-16 surrogate, which no database can store as text', () => {
    const issues = jsonBodyIssues({ to: '#a\ud800', text: 'ok \u{1F600}', metadata: { ['k\udc00']: 'v', list: ['\udfff', 'x\ud83d'] } });
    expect(issues.map((issue) => issue.path).sort()).toEqual(['metadata', 'metadata.list[0]', 'metadata.list[1]', 'to']);
    expect(issues.every((issue) => issue.rule === 'lone_surrogate')).toBe(true);
    expect(issues.find((issue) => issue.path === 'to')?.message).toBe('to: must not contain a lone UTF-16 surrogate (U+D800 to U+DFFF outside a pair)');
    // A pair written as two escapes is one well-formed character.
    expect(jsonBodyIssues(JSON.parse('{"text":"\\ud83d\\ude00"}'))).toEqual([]);
  });

  it('throws a ValidationError through assertSafeJsonBody', () => {
    expect(() => assertSafeJsonBody({ text: '\u0000' })).toThrow(ValidationError);
    expect(() => assertSafeJsonBody({ text: 'fine' })).not.toThrow();
  });
});
