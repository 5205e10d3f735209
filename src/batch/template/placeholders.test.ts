import { describe, expect, it } from 'vitest';
import { escapeHtml } from './html.js';
import { malformedPlaceholders, splitText } from './placeholders.js';

describe('splitText', () => {
  it('cuts a string at its placeholders and registers each name once', () => {
    const names: string[] = ['to'];
    expect(splitText('Hi {{name}}, {{ to }} / {{\tname\n}}!', names)).toEqual({
      literals: ['Hi ', ', ', ' / ', '!'],
      slots: [1, 0, 1],
    });
    expect(names).toEqual(['to', 'name']);
  });

  it('returns the string itself when it has no placeholder', () => {
    expect(splitText('plain {{ not valid }} {', [])).toBe('plain {{ not valid }} {');
  });

  it('accepts names with digits, underscores, dots and dashes', () => {
    const names: string[] = [];
    splitText('{{_a}}{{user.first-name}}{{x9}}{{{y}}}', names);
    expect(names).toEqual(['_a', 'user.first-name', 'x9', 'y']);
  });
});

describe('malformedPlaceholders', () => {
  it('finds double-braced text that is not a valid placeholder', () => {
    expect(malformedPlaceholders('{{ok}} {{ first name }} {{}} {{1x}} {{ x }}')).toEqual(['{{ first name }}', '{{}}', '{{1x}}']);
    expect(malformedPlaceholders('{{ unclosed')).toEqual([]);
  });
});

describe('escapeHtml', () => {
  it('escapes the five special characters and nothing else', () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a> é`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; é');
    expect(escapeHtml('plain')).toBe('plain');
    // Escaping twice in a row must not depend on state left by the first call.
    expect([escapeHtml('a<'), escapeHtml('<b')]).toEqual(['a&lt;', '&lt;b']);
  });
});
