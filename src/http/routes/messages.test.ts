import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { withIdempotencyHeader } from './messages.js';

const message = { channel: 'sms', to: '+14155550100', text: 'hi' };

function issuesOf(run: () => unknown): { path: string; rule: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('withIdempotencyHeader', () => {
  it("validates with the producer's schema, the header giving the idempotency key", () => {
    expect(withIdempotencyHeader(message, undefined).idempotencyKey).toBeUndefined();
    expect(withIdempotencyHeader(message, 'order-1').idempotencyKey).toBe('order-1');
    expect(withIdempotencyHeader({ ...message, idempotencyKey: 'order-1' }, 'order-1').idempotencyKey).toBe('order-1');
    expect(withIdempotencyHeader({ ...message, idempotencyKey: 'in-body' }, undefined).idempotencyKey).toBe('in-body');
  });

  it('refuses a body key that differs from the header, naming the field', () => {
    expect(issuesOf(() => withIdempotencyHeader({ ...message, idempotencyKey: 'a' }, 'b'))).toEqual([expect.objectContaining({ path: 'idempotencyKey', rule: 'conflict' })]);
  });

  it('refuses an empty or overlong header, naming the header', () => {
    expect(issuesOf(() => withIdempotencyHeader(message, ''))).toEqual([expect.objectContaining({ path: 'Idempotency-Key', rule: 'format' })]);
    expect(issuesOf(() => withIdempotencyHeader(message, 'k'.repeat(256)))[0]?.path).toBe('Idempotency-Key');
  });

  it('reports invalid bodies as parseMessage does', () => {
    expect(issuesOf(() => withIdempotencyHeader({ ...message, to: 'nope' }, 'k'))).toEqual([expect.objectContaining({ path: 'to', rule: 'format' })]);
  });
});
