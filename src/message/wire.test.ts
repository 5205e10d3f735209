import { describe, expect, it } from 'vitest';
import type { MessageRecord } from './types.js';
import { decodeWire, encodeWire, WireFormatError } from './wire.js';

const record: MessageRecord = {
  id: '01J0000000000000000000000A',
  channel: 'webhook',
  to: 'https://h.example/x',
  content: { data: { a: [1, 2] } },
  metadata: { tenant: 't' },
  idempotencyKey: 'k',
  delivery: { mode: 'scheduled', at: '2030-01-01T00:00:00.000Z' },
  status: 'queued',
  attempts: 0,
  scheduledAt: Date.parse('2030-01-01T00:00:00Z'),
  dueAt: null,
  lastProvider: null,
  providerMessageId: null,
  lastError: null,
  createdAt: 1,
  updatedAt: 1,
  publishedAt: null,
  deliveredAt: null,
  batchId: 'b1',
  batchItem: 3,
};

describe('wire format', () => {
  it('round-trips a message', () => {
    expect(decodeWire(encodeWire(record))).toEqual({
      v: 1,
      id: record.id,
      channel: 'webhook',
      to: record.to,
      content: record.content,
      metadata: record.metadata,
      idempotencyKey: 'k',
      delivery: record.delivery,
      batch: { id: 'b1', item: 3 },
    });
  });

  it('says why a body is not a message', () => {
    expect(() => decodeWire(Buffer.from('nope'))).toThrow(WireFormatError);
    expect(() => decodeWire(Buffer.from('nope'))).toThrow(/not JSON/);
    expect(() => decodeWire(Buffer.from('{"v":1,"id":"x"}'))).toThrow(/channel/);
    expect(() => decodeWire(Buffer.from('{"v":2}'))).toThrow(/v/);
  });
});
