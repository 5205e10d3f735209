import type { RecipientsInput } from './types.js';

/** One line of a byte stream: its text, or the fact that it was too long to keep. */
export type SplitLine = { line: number; text: string } | { line: number; tooLong: true };

const NEWLINE = 0x0a;

/**
 * Splits a byte stream on `\n` (a trailing `\r` is dropped) without holding more than one line.
 * A line longer than `maxLineBytes` is not kept: its bytes are dropped as they arrive and it is
 * reported as `tooLong`, so a file without newlines cannot exhaust memory. Lines are decoded as
 * UTF-8 only once complete, so a character split across chunks is decoded whole.
 */
export async function* splitLines(
  input: RecipientsInput,
  maxLineBytes: number,
): AsyncGenerator<SplitLine, void, undefined> {
  let pieces: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 1;

  const finish = (): SplitLine => {
    const result: SplitLine = tooLong ? { line, tooLong: true } : { line, text: decode(pieces, size) };
    pieces = [];
    size = 0;
    tooLong = false;
    return result;
  };

  for await (const chunk of input as AsyncIterable<unknown>) {
    const buffer = toBuffer(chunk);
    let start = 0;
    while (start < buffer.length) {
      const newline = buffer.indexOf(NEWLINE, start);
      const end = newline === -1 ? buffer.length : newline;
      if (!tooLong) {
        if (size + (end - start) > maxLineBytes) {
          tooLong = true;
          pieces = [];
          size = 0;
        } else if (end > start) {
          pieces.push(buffer.subarray(start, end));
          size += end - start;
        }
      }
      if (newline === -1) break;
      yield finish();
      line++;
      start = newline + 1;
    }
  }
  if (size > 0 || tooLong) yield finish();
}

function decode(pieces: readonly Buffer[], size: number): string {
  const bytes = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, size);
  const text = bytes.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** A chunk of a recipients stream as bytes; anything but text or bytes is a caller's mistake. */
export function toBuffer(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`recipients input must yield strings or bytes, got ${typeof chunk}`);
}
