import type { BenchMessage } from './system.js';

/** The job data every peer stores: the harness message as a plain JSON object. */
export interface MessageData {
  readonly seq: number;
  readonly dueAt: number | null;
  readonly payload: string;
}

/** The job data of a message, as a user would pass an object to their queue library. */
export function toData(message: BenchMessage): MessageData {
  return { seq: message.seq, dueAt: message.dueAt, payload: message.payload };
}

/** Reads the sequence number back from job data, rejecting anything that is not one of ours. */
export function seqOf(data: unknown): number {
  const seq = (data as { seq?: unknown } | null)?.seq;
  if (typeof seq !== 'number' || !Number.isInteger(seq)) {
    throw new TypeError('bench message without an integer seq');
  }
  return seq;
}
