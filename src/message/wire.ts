import { z } from 'zod';
import { MissiveError } from '../core/errors.js';
import { fromZodIssues } from '../core/zod-issues.js';
import { CHANNELS } from './channels.js';
import type { ClaimedMessage } from './types.js';

/** Version of the message format on the broker. */
export const WIRE_VERSION = 1;

/**
 * True for an id made of printable characters only: no control character (C0, DEL, C1) and no
 * lone surrogate. PostgreSQL refuses NUL in text outright, so such an id could never be claimed;
 * and no id Missive makes (a ULID) holds one, so refusing them loses nothing.
 */
export function isPrintableId(id: string): boolean {
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
    if (code < 0xd800 || code > 0xdfff) continue;
    // A high surrogate must be followed by a low one; a low one alone is never well formed.
    const next = id.charCodeAt(i + 1);
    if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

const wireSchema = z.object({
  v: z.literal(WIRE_VERSION),
  id: z.string().min(1).max(64).refine(isPrintableId, 'must hold printable characters only (no control character, no lone surrogate)'),
  channel: z.enum(CHANNELS),
  to: z.string(),
  content: z.record(z.string(), z.json()),
  from: z.string().optional(),
  provider: z.string().optional(),
  metadata: z.record(z.string(), z.json()).optional(),
  idempotencyKey: z.string().optional(),
  delivery: z.object({ mode: z.enum(['immediate', 'scheduled']), at: z.string().optional() }),
  batch: z.object({ id: z.string(), item: z.number().int() }).optional(),
});

/** The one message format both delivery paths publish (immediate and scheduled alike). */
export type WireMessage = z.infer<typeof wireSchema>;

/** A queue message that is not a Missive message. */
export class WireFormatError extends MissiveError {
  readonly code = 'bad_wire_format';
  constructor(reason: string) {
    super(reason);
    this.name = 'WireFormatError';
  }
}

function looksValid(value: unknown): value is WireMessage {
  if (typeof value !== 'object' || value === null) return false;
  const wire = value as Record<string, unknown>;
  return (
    wire.v === WIRE_VERSION &&
    typeof wire.id === 'string' &&
    wire.id.length > 0 &&
    wire.id.length <= 64 &&
    isPrintableId(wire.id) &&
    typeof wire.channel === 'string' &&
    (CHANNELS as readonly string[]).includes(wire.channel) &&
    typeof wire.to === 'string' &&
    typeof wire.content === 'object' &&
    wire.content !== null &&
    !Array.isArray(wire.content) &&
    typeof wire.delivery === 'object' &&
    wire.delivery !== null &&
    ((wire.delivery as { mode?: unknown }).mode === 'immediate' || (wire.delivery as { mode?: unknown }).mode === 'scheduled')
  );
}

/** Serializes a stored message for the broker (built without spread: hot path). */
export function encodeWire(record: ClaimedMessage): Buffer {
  const wire: WireMessage = {
    v: WIRE_VERSION,
    id: record.id,
    channel: record.channel,
    to: record.to,
    content: record.content as WireMessage['content'],
    delivery: record.delivery,
  };
  if (record.from !== undefined) wire.from = record.from;
  if (record.provider !== undefined) wire.provider = record.provider;
  if (record.metadata !== undefined) wire.metadata = record.metadata;
  if (record.idempotencyKey !== undefined) wire.idempotencyKey = record.idempotencyKey;
  if (record.batchId !== null && record.batchItem !== null) wire.batch = { id: record.batchId, item: record.batchItem };
  return Buffer.from(JSON.stringify(wire));
}

/** Parses a queue message; throws WireFormatError saying what is wrong. */
export function decodeWire(body: Buffer): WireMessage {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WireFormatError(`not JSON (${body.length} bytes)`);
  }
  // Every message on the hot path is one we wrote: a few checks recognize it; the schema runs
  // only for the odd one out, to say precisely what is wrong with it.
  if (looksValid(json)) return json;
  const result = wireSchema.safeParse(json, { reportInput: true });
  if (!result.success) {
    throw new WireFormatError(`not a Missive message: ${fromZodIssues(result.error.issues).map((i) => i.message).join('; ')}`);
  }
  return result.data;
}
