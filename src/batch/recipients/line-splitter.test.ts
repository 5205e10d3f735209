import { describe, expect, it } from 'vitest';
import { splitLines, toBuffer, type SplitLine } from './line-splitter.js';
import { chunks } from './testing/streams.js';

async function split(input: AsyncIterable<Buffer | string>, max = 1024): Promise<SplitLine[]> {
  const out: SplitLine[] = [];
  for await (const line of splitLines(input, max)) out.push(line);
  return out;
}

describe('splitLines', () => {
  it('splits on LF, drops a CR before it, and numbers lines from 1', async () => {
    expect(await split(chunks('a\r\nb\n\nc'))).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: '' },
      { line: 4, text: 'c' },
    ]);
  });

  it('yields nothing after a final newline, and nothing for empty input', async () => {
    expect(await split(chunks('a\n'))).toEqual([{ line: 1, text: 'a' }]);
    expect(await split(chunks(''))).toEqual([]);
  });

  it('reports an over-long line once, without its text, and keeps the count', async () => {
    expect(await split(chunks('short\n0123456789abc\nok', [4]), 8)).toEqual([
      { line: 1, text: 'short' },
      { line: 2, tooLong: true },
      { line: 3, text: 'ok' },
    ]);
    expect(await split(chunks('x'.repeat(50), [7]), 8)).toEqual([{ line: 1, tooLong: true }]);
  });

  it('accepts a line of exactly the limit', async () => {
    expect(await split(chunks('12345678\n'), 8)).toEqual([{ line: 1, text: '12345678' }]);
  });

  it('refuses chunks that are neither text nor bytes', () => {
    expect(toBuffer(new Uint8Array([104, 105])).toString()).toBe('hi');
    expect(() => toBuffer(42)).toThrow(TypeError);
  });
});
