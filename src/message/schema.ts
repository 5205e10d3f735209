import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { assertSafeJsonBody } from '../core/json-guard.js';
import type { JsonObject } from '../core/json.js';
import { fromZodIssues, safeParseReporting } from '../core/zod-issues.js';
import type { Delivery, MessageContent, NewMessage } from './types.js';

/** Largest accepted message, as serialized JSON. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** An ISO 8601 time that must carry an offset (`Z` or `±hh:mm`). */
export const isoTimeWithOffset = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 time with an offset, e.g. 2030-01-01T09:00:00Z or 2030-01-01T10:00:00+01:00',
});

/** The delivery config: `immediate` (the default) or `scheduled` with a time. */
export const deliverySchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('immediate') }),
  z.strictObject({ mode: z.literal('scheduled'), at: isoTimeWithOffset }),
]);

const common = {
  from: z.string().min(1).max(320).optional(),
  provider: z.string().min(1).max(100).optional(),
  metadata: z.record(z.string().max(100), z.json()).optional(),
  idempotencyKey: z.string().min(1).max(255).optional(),
  delivery: deliverySchema.default({ mode: 'immediate' }),
};

const text = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** Email: an address, a subject, and a text or HTML body. */
export const emailMessageSchema = z
  .strictObject({
    channel: z.literal('email'),
    to: z.email({ error: 'must be an email address' }),
    subject: text(998),
    text: text(1_000_000).optional(),
    html: text(1_000_000).optional(),
    ...common,
  })
  .refine((m) => m.text !== undefined || m.html !== undefined, {
    path: ['text'],
    message: 'text or html is required for email',
    params: { rule: 'required' },
  });

/** SMS: an E.164 number and a text. */
export const smsMessageSchema = z.strictObject({
  channel: z.literal('sms'),
  to: z.string().regex(E164, 'must be a phone number in E.164 form, e.g. +14155550100'),
  text: text(1600),
  ...common,
});

/** Webhook: an http(s) URL and a JSON payload. */
export const webhookMessageSchema = z.strictObject({
  channel: z.literal('webhook'),
  to: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }),
  data: z.json({ error: 'must be JSON' }),
  ...common,
});

/** Chat: a destination (channel name, room or user, as the provider understands it) and a text. */
export const chatMessageSchema = z.strictObject({
  channel: z.literal('chat'),
  to: text(256),
  text: text(40_000),
  ...common,
});

/** The one message schema, for every channel and both delivery modes (flat content fields). */
export const messageSchema = z.discriminatedUnion(
  'channel',
  [emailMessageSchema, smsMessageSchema, webhookMessageSchema, chatMessageSchema],
  { error: 'must be one of "email", "sms", "webhook", "chat"' },
);

/** The message as a caller writes it (JSON body, library call, CLI flags). */
export type MessageInput = z.input<typeof messageSchema>;

const CONTENT_KEYS = ['subject', 'text', 'html', 'data'] as const;

/**
 * Validates a message and returns it normalized. Content may be given flat (`subject`, `text`, …)
 * or nested under `content`; both mean the same. Throws a ValidationError naming each field at fault.
 */
export function parseMessage(input: unknown): NewMessage {
  // Before any schema walks it: no NUL characters (PostgreSQL cannot store them in text) and
  // no nesting deep enough to exhaust the stack.
  assertSafeJsonBody(input);
  const flat = hoistContent(input);
  const size = byteLength(flat);
  if (size > MAX_MESSAGE_BYTES) {
    throw new ValidationError([
      { path: '(root)', rule: 'max_size', message: `message is ${size} bytes; the limit is ${MAX_MESSAGE_BYTES}` },
    ]);
  }
  const result = safeParseReporting(messageSchema, flat);
  if (!result.success) throw new ValidationError(fromZodIssues(result.error.issues));
  const parsed = result.data;
  const content: MessageContent = {};
  for (const key of CONTENT_KEYS) {
    if (key in parsed && (parsed as Record<string, unknown>)[key] !== undefined) {
      (content as Record<string, unknown>)[key] = (parsed as Record<string, unknown>)[key];
    }
  }
  const message: NewMessage = {
    channel: parsed.channel,
    to: parsed.to,
    content,
    delivery: parsed.delivery as Delivery,
  };
  if (parsed.from !== undefined) message.from = parsed.from;
  if (parsed.provider !== undefined) message.provider = parsed.provider;
  if (parsed.metadata !== undefined) message.metadata = parsed.metadata as JsonObject;
  if (parsed.idempotencyKey !== undefined) message.idempotencyKey = parsed.idempotencyKey;
  return message;
}

/** Flattens `{ content: { subject } }` into `{ subject }`, refusing to mix both forms. */
function hoistContent(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !('content' in input)) return input;
  const { content, ...rest } = input as Record<string, unknown>;
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new ValidationError([{ path: 'content', rule: 'type', message: 'content: must be an object' }]);
  }
  for (const key of Object.keys(content)) {
    if (key in rest) {
      throw new ValidationError([
        { path: `content.${key}`, rule: 'conflict', message: `content.${key}: given both inside content and at top level` },
      ]);
    }
  }
  return { ...rest, ...content };
}

function byteLength(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
}

/** The message back in its flat input form (for APIs that echo it). */
export function toMessageInput(message: NewMessage): Record<string, unknown> {
  const { content, ...rest } = message;
  return { ...rest, ...content };
}
