import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { readCsvRecipients } from './csv.js';

// A garbage collector to call, so heap samples measure what is retained, not what awaits collection.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const ROWS = 200_000;

/** A 200,000-row CSV (about 12 MB), produced 1,000 rows at a time and never held whole. */
async function* generatedCsv(): AsyncGenerator<string> {
  yield 'to,name,plan,note\n';
  for (let start = 0; start < ROWS; start += 1000) {
    let chunk = '';
    for (let i = start; i < start + 1000; i++) chunk += `user${i}@example.com,User ${i},pro,"note, with ""quotes"""\n`;
    yield chunk;
  }
}

function retainedHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('readCsvRecipients memory', () => {
  it('streams 200,000 rows with bounded heap growth', async () => {
    const before = retainedHeap();
    let peak = before;
    let count = 0;
    let lastLine = 0;
    for await (const item of readCsvRecipients(generatedCsv())) {
      if (!item.ok) throw new Error(`unexpected row error ${JSON.stringify(item.error)}`);
      count++;
      lastLine = item.row.line;
      if (count % 50_000 === 0) peak = Math.max(peak, retainedHeap());
    }
    expect(count).toBe(ROWS);
    expect(lastLine).toBe(ROWS + 1);
    // Streaming retains about 1 MB; holding the rows would take about 60 MB.
    expect(peak - before).toBeLessThan(20 * 1024 * 1024);
  });
});
