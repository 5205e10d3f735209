import type { BenchMessage, BenchSystem } from '../systems/system.js';

/**
 * Sends messages `0 … count−1` through `send`, keeping at most `limit` unresolved at once — the
 * way a producer with a bounded window of pending sends works. Stops issuing new sends once
 * `shouldStop()` is true, and on the first failure (which it rethrows). Resolves with how many
 * sends were issued.
 */
export async function sendBounded(
  count: number,
  limit: number,
  send: (index: number) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<number> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < count && !failed && !shouldStop()) {
      const index = next;
      next += 1;
      try {
        await send(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, count)) }, lane);
  await Promise.all(lanes);
  return next;
}

/** Messages per `sendMany` call when pre-filling. */
const FILL_CHUNK = 1000;

/**
 * Pre-fills a system with `count` messages built by `build` (called just before each is sent,
 * so due times relative to "now" stay accurate): through `sendMany` in chunks when the system
 * has it, else through `send` with bounded concurrency.
 */
export async function fill(
  system: BenchSystem,
  count: number,
  limit: number,
  build: (index: number) => BenchMessage,
): Promise<void> {
  const sendMany = system.sendMany?.bind(system);
  if (sendMany === undefined) {
    await sendBounded(count, limit, (index) => system.send(build(index)));
    return;
  }
  for (let start = 0; start < count; start += FILL_CHUNK) {
    const chunk: BenchMessage[] = [];
    for (let index = start; index < Math.min(count, start + FILL_CHUNK); index += 1) chunk.push(build(index));
    await sendMany(chunk);
  }
}

/** Filler text such that `{"seq":…,"dueAt":…,"payload":"…"}` is about `bytes` long. */
export function makePayload(bytes: number): string {
  const envelope = JSON.stringify({ seq: 100_000, dueAt: 1_700_000_000_000, payload: '' }).length;
  const text = 'Your order has shipped and is on its way. ';
  const length = Math.max(0, bytes - envelope);
  return text.repeat(Math.ceil(length / text.length)).slice(0, length);
}
