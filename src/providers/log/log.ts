import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import { CHANNELS } from '../../message/channels.js';
import { RetryableProviderError } from '../errors.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../provider.js';

const optionsSchema = z.strictObject({});

/** Options of the `log` provider: none. */
export type LogOptions = z.output<typeof optionsSchema>;

/** Longest text shown per content field. */
const PREVIEW = 200;

/** "Delivers" by writing the message to the log: for development and dry runs. */
export class LogProvider implements Provider {
  readonly type = 'log';
  readonly channels = CHANNELS;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
    if (signal.aborted) throw new RetryableProviderError('log: aborted', { code: 'timeout' });
    const { subject, text, html, data } = message.content;
    this.logger.info(
      {
        messageId: message.id,
        channel: message.channel,
        to: message.to,
        attempt: message.attempt,
        subject,
        text: text?.slice(0, PREVIEW),
        html: html?.slice(0, PREVIEW),
        data: data === undefined ? undefined : JSON.stringify(data).slice(0, PREVIEW),
      },
      'message delivered to the log',
    );
    return { providerMessageId: `log-${message.id}-${message.attempt}` };
  }
}

/** Factory of the `log` provider (any channel). */
export class LogProviderFactory implements ProviderFactory<LogOptions> {
  readonly type = 'log';
  readonly channels = CHANNELS;
  readonly optionsSchema = optionsSchema;
  readonly description = 'writes each message to the log';

  create(_options: LogOptions, context: ProviderContext): Provider {
    return new LogProvider(context.name, context.logger);
  }
}
