import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { parseMessage } from '../message/schema.js';
import { messageFromFlags } from './commands/send.js';
import { UsageError } from './output.js';

describe('missive send flags with generated garbage', () => {
  it('build a valid message or fail with a usage or validation error, never anything else', () => {
    const flag = fc.option(fc.string(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          channel: fc.option(fc.constantFrom('email', 'sms', 'webhook', 'chat', 'x'), { nil: undefined }),
          to: flag,
          subject: flag,
          text: flag,
          html: flag,
          data: fc.option(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), { nil: undefined }),
          at: fc.option(fc.oneof(fc.string(), fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'bad' : d.toISOString()))), { nil: undefined }),
          in: fc.option(fc.oneof(fc.string(), fc.constantFrom('30s', '5m', '2h', '1d', '0s', '999d')), { nil: undefined }),
          idempotencyKey: flag,
        }),
        (flags) => {
          try {
            parseMessage(messageFromFlags(flags, Date.parse('2030-01-01T00:00:00Z')));
          } catch (error) {
            expect(error instanceof ValidationError || error instanceof UsageError).toBe(true);
            expect((error as Error).message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
