import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pipeWriter } from './pipe-writer.js';

/** A stream that takes `capacity` writes, then fails every later one with `code`. */
function closingStream(capacity: number, code: string): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, done) {
      if (written.length >= capacity) return done(Object.assign(new Error(`write ${code}`), { code }));
      written.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { stream, written };
}

describe('pipeWriter', () => {
  it('writes everything, waiting for the stream to drain', async () => {
    const { stream, written } = closingStream(Infinity, 'EPIPE');
    const writer = pipeWriter(stream);
    for (let i = 0; i < 100; i++) expect(await writer.write(`${i}\n`)).toBe(true);
    writer.close();
    expect(written).toHaveLength(100);
  });

  it('answers false, never throws, once the reader has gone away (EPIPE)', async () => {
    const { stream, written } = closingStream(3, 'EPIPE');
    const writer = pipeWriter(stream);
    const answers: boolean[] = [];
    for (let i = 0; i < 10; i++) answers.push(await writer.write(`${i}\n`));
    writer.close();
    expect(written).toEqual(['0\n', '1\n', '2\n']);
    expect(answers.slice(0, 3)).toEqual([true, true, true]);
    expect(answers.at(-1)).toBe(false);
    expect(answers.indexOf(false)).toBeGreaterThan(2);
  });

  it('rejects with any other error of the stream', async () => {
    const { stream } = closingStream(1, 'ENOSPC');
    const writer = pipeWriter(stream);
    await expect(
      (async () => {
        for (let i = 0; i < 10; i++) await writer.write(`${i}\n`);
      })(),
    ).rejects.toMatchObject({ code: 'ENOSPC' });
    writer.close();
  });
});
