import { describe, expect, it } from 'vitest';
import type { MessageRecord } from './types.js';
import { decodeWire, encodeWire, isPrintableId, WireFormatError } from './wire.js';

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

  it('refuses an id with a control character or a lone surrogate, which no store could claim', () => {
    const body = (id: string) => Buffer.from(JSON.stringify({ v: 1, id, channel: 'chat', to: '#x', content: { text: 'x' }, delivery: { mode: 'immediate' } }));
    for (const id of ['x\u0000y', 'tab\there', 'del\u007f', 'c1\u0085', 'lone\ud800', '\udc00low', 'end\ud83d']) {
      expect(() => decodeWire(body(id)), JSON.stringify(id)).toThrow(WireFormatError);
      expect(() => decodeWire(body(id))).toThrow(/id: must hold printable characters only/);
    }
    expect(decodeWire(body('emoji-\ud83d\ude00')).id).toBe('emoji-\u{1f600}');
    expect(decodeWire(body(record.id)).id).toBe(record.id);
  });

  it('tells printable ids from the others', () => {
    expect(isPrintableId('01J0000000000000000000000A')).toBe(true);
    expect(isPrintableId('é-ü-\u{1f600}')).toBe(true);
    expect(isPrintableId('a\nb')).toBe(false);
    expect(isPrintableId('\ud800\ud800')).toBe(false);
  });
});
