import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { parseMessage } from './schema.js';

/** Objects that look a little like messages, with anything in their fields. */
const messageLike = fc.record(
  {
    channel: fc.oneof(fc.constantFrom('email', 'sms', 'webhook', 'chat', 'pigeon', ''), fc.anything()),
    to: fc.oneof(fc.emailAddress(), fc.webUrl(), fc.constant('+14155550100'), fc.string(), fc.anything()),
    subject: fc.oneof(fc.string(), fc.anything()),
    text: fc.oneof(fc.string(), fc.anything()),
    html: fc.string(),
    data: fc.jsonValue(),
    content: fc.anything(),
    delivery: fc.oneof(
      fc.record({ mode: fc.constantFrom('immediate', 'scheduled', 'later'), at: fc.oneof(fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())), fc.string()) }, { requiredKeys: [] }),
      fc.anything(),
    ),
    metadata: fc.anything(),
    idempotencyKey: fc.anything(),
    provider: fc.anything(),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('parseMessage with generated garbage', () => {
  it('returns a message or throws a ValidationError naming fields, and nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), messageLike), (input) => {
        try {
          const message = parseMessage(input);
          expect(['email', 'sms', 'webhook', 'chat']).toContain(message.channel);
          expect(typeof message.to).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          const issues = (error as ValidationError).issues;
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) {
            expect(issue.path.length).toBeGreaterThan(0);
            expect(issue.rule.length).toBeGreaterThan(0);
            expect(issue.message).toContain(issue.path);
          }
        }
      }),
      { numRuns: 3_000 },
    );
  });
});
