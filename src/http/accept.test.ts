import { describe, expect, it } from 'vitest';
import { prefersJson } from './accept.js';

describe('prefersJson', () => {
  it('prefers the page for browsers, curl and clients that say nothing', () => {
    expect(prefersJson(undefined)).toBe(false);
    expect(prefersJson('')).toBe(false);
    expect(prefersJson('*/*')).toBe(false);
    expect(prefersJson('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(false);
    expect(prefersJson('text/html, application/json')).toBe(false);
    expect(prefersJson('application/json;q=0.5, text/html')).toBe(false);
  });

  it('prefers JSON when the client ranks it above HTML', () => {
    expect(prefersJson('application/json')).toBe(true);
    expect(prefersJson('Application/JSON; charset=utf-8')).toBe(true);
    expect(prefersJson('application/vnd.oai.openapi+json')).toBe(true);
    expect(prefersJson('application/json, text/html;q=0.9')).toBe(true);
    expect(prefersJson('application/*')).toBe(true);
    // Named outright beats a wildcard of the same weight.
    expect(prefersJson('application/json, */*')).toBe(true);
    expect(prefersJson('text/html;q=0, */*')).toBe(true);
  });

  it('ignores what it cannot read', () => {
    expect(prefersJson('application/json;q=oops')).toBe(true);
    expect(prefersJson(';;,,garbage')).toBe(false);
    expect(prefersJson('application/json;q=0')).toBe(false);
  });
});
