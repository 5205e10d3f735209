import { DiscordProviderFactory } from './discord/discord.js';
import { LogProviderFactory } from './log/log.js';
import { MailgunProviderFactory } from './mailgun/mailgun.js';
import { OutboxProviderFactory } from './outbox/outbox.js';
import type { ProviderFactory } from './provider.js';
import { ProviderRegistry } from './registry.js';
import { SendGridProviderFactory } from './sendgrid/sendgrid.js';
import { SesProviderFactory } from './ses/ses.js';
import { SlackProviderFactory } from './slack/slack.js';
import { SmtpProviderFactory } from './smtp/smtp.js';
import { TwilioProviderFactory } from './twilio/twilio.js';
import { VonageProviderFactory } from './vonage/vonage.js';
import { WebhookProviderFactory } from './webhook/webhook.js';

/** The factories shipped with Missive. A new built-in vendor is one more factory in this list. */
export function builtinFactories(): ProviderFactory[] {
  return [
    erase(new OutboxProviderFactory()),
    erase(new LogProviderFactory()),
    erase(new SmtpProviderFactory()),
    erase(new SendGridProviderFactory()),
    erase(new MailgunProviderFactory()),
    erase(new SesProviderFactory()),
    erase(new TwilioProviderFactory()),
    erase(new VonageProviderFactory()),
    erase(new WebhookProviderFactory()),
    erase(new SlackProviderFactory()),
    erase(new DiscordProviderFactory()),
  ];
}

/**
 * Forgets a factory's options type. Safe: the registry only ever hands `create` what the same
 * factory's `optionsSchema` produced.
 */
function erase<Options>(factory: ProviderFactory<Options>): ProviderFactory {
  return factory as unknown as ProviderFactory;
}

/** A registry holding every built-in factory. */
export function createBuiltinRegistry(): ProviderRegistry {
  const registry = new ProviderRegistry();
  for (const factory of builtinFactories()) registry.register(factory);
  return registry;
}
