import { invalid, ValidationError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json.js';
import { parseMessage } from '../../message/schema.js';
import { type GlobalOptions, withRuntime } from '../context.js';
import { parseDuration } from '../duration.js';
import { printJson, printLine, printNote, UsageError } from '../output.js';

/** Flags of `missive send`. */
export interface SendFlags extends GlobalOptions {
  channel?: string;
  to?: string;
  subject?: string;
  text?: string;
  html?: string;
  data?: string;
  from?: string;
  provider?: string;
  at?: string;
  in?: string;
  idempotencyKey?: string;
  json?: boolean;
}

/** What `send` adds, on standard error, when RabbitMQ could not take the message. */
export const NOT_PUBLISHED_NOTE =
  'missive: RabbitMQ is unreachable; the message is stored and will be published once RabbitMQ is reachable and a scheduler runs (missive start or missive scheduler)';

/** The message field each flag fills, so errors can name the flag. */
const FLAG_OF: Record<string, string> = {
  channel: '--channel',
  to: '--to',
  subject: '--subject',
  text: '--text',
  html: '--html',
  data: '--data',
  from: '--from',
  provider: '--provider',
  idempotencyKey: '--idempotency-key',
  'delivery.at': '--at',
};

/** Builds the message `missive send` means, from its flags; throws naming the flag at fault. */
export function messageFromFlags(flags: SendFlags, now: number): unknown {
  if (flags.at !== undefined && flags.in !== undefined) throw new UsageError('give either --at or --in, not both');
  let data: JsonValue | undefined;
  if (flags.data !== undefined) {
    try {
      data = JSON.parse(flags.data) as JsonValue;
    } catch (error) {
      throw invalid('--data', 'json', `is not valid JSON: ${(error as Error).message}`);
    }
  }
  const at = flags.in !== undefined ? new Date(now + parseDuration(flags.in)).toISOString() : flags.at;
  const input: Record<string, unknown> = {
    channel: flags.channel,
    to: flags.to,
    subject: flags.subject,
    text: flags.text,
    html: flags.html,
    data,
    from: flags.from,
    provider: flags.provider,
    idempotencyKey: flags.idempotencyKey,
    delivery: at === undefined ? { mode: 'immediate' } : { mode: 'scheduled', at },
  };
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

/** `missive send`: validates the flags, sends, prints the id and status. */
export async function send(flags: SendFlags): Promise<number> {
  let message;
  try {
    message = parseMessage(messageFromFlags(flags, Date.now()));
  } catch (error) {
    throw withFlagNames(error);
  }
  // The producer refuses a provider or channel that nothing configured can send: name the flag too.
  const receipt = await withRuntime(
    flags,
    async (runtime) => (await runtime.producer()).sendMessage(message).catch((error: unknown) => Promise.reject(withFlagNames(error))),
    { createStore: true },
  );
  if (flags.json) printJson({ id: receipt.id, status: receipt.status, ...(receipt.published !== undefined && { published: receipt.published }) });
  else printLine(`${receipt.id} ${receipt.status}${receipt.created ? '' : ' (idempotency key seen before: first message returned)'}`);
  // Accepted all the same: the stored row is the promise of a publish (the outbox relay).
  if (receipt.published === false) printNote(NOT_PUBLISHED_NOTE);
  return 0;
}

/** A validation error about message fields, restated with the flags that filled them. */
function withFlagNames(error: unknown): unknown {
  if (!(error instanceof ValidationError)) return error;
  return new ValidationError(
    error.issues.map((issue) => {
      const flag = FLAG_OF[issue.path];
      return flag ? { ...issue, path: flag, message: `${flag}: ${issue.message.replace(`${issue.path}: `, '')}` } : issue;
    }),
  );
}
