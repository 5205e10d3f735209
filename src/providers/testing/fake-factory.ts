import { z } from 'zod';
import { PermanentProviderError } from '../errors.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory } from '../provider.js';
import type { Channel } from '../../message/channels.js';

/** Options of {@link CredentialFactory}'s providers. */
export interface CredentialOptions {
  credential: string;
  baseUrl: string;
}

/**
 * A plugin-like factory for tests: its secret option has a name no heuristic would guess, and
 * its providers fail with an error that echoes the credential (as a careless vendor might), and
 * log it (as a careless plugin might).
 */
export class CredentialFactory implements ProviderFactory<CredentialOptions> {
  readonly secretOptions = ['credential'];
  readonly description = 'a plugin with a secret option named credential';
  readonly optionsSchema = z.strictObject({ credential: z.string().min(1), baseUrl: z.url().default('https://vendor.example') });

  constructor(
    readonly type = 'credentialed',
    readonly channels: readonly Channel[] = ['sms'],
  ) {}

  create(options: CredentialOptions, { name, logger }: ProviderContext): Provider {
    return {
      name,
      type: this.type,
      channels: this.channels,
      async send(message: OutgoingMessage) {
        logger.info({ messageId: message.id, using: options.credential, at: options.baseUrl }, 'sending with the credential');
        throw new PermanentProviderError(`rejected ${options.credential} at ${options.baseUrl}`, { message: `bad credential ${options.credential}` });
      },
    };
  }
}
