import { z } from 'zod';
import { sleep } from '../../src/core/clock.js';
import { CHANNELS } from '../../src/message/channels.js';
import type { OutgoingMessage, Provider, ProviderContext, ProviderFactory, SendContext, SendResult } from '../../src/providers/provider.js';

/** How the scripted provider answers a call: a result, or an error to throw. */
export type Script = (message: OutgoingMessage, call: number) => Error | undefined;

/** Shared state of every scripted provider instance of a test. */
export class ScriptedVendor {
  /** Every message sent successfully, by instance name. */
  readonly sent = new Map<string, OutgoingMessage[]>();
  /** Every call made, successful or not, by instance name. */
  readonly calls = new Map<string, OutgoingMessage[]>();
  /** Per instance: what each call does (default: succeed). */
  readonly scripts = new Map<string, Script>();
  /** How long each call takes, in ms. */
  delayMs = 0;

  sentBy(name: string): OutgoingMessage[] {
    return this.sent.get(name) ?? [];
  }

  callsTo(name: string): OutgoingMessage[] {
    return this.calls.get(name) ?? [];
  }

  allSent(): OutgoingMessage[] {
    return [...this.sent.values()].flat();
  }
}

/** A provider of type `scripted` that does what its test says; for integration tests. */
export class ScriptedProviderFactory implements ProviderFactory<Record<string, never>> {
  readonly type = 'scripted';
  readonly channels = CHANNELS;
  readonly optionsSchema = z.strictObject({});

  constructor(private readonly vendor: ScriptedVendor) {}

  create(_options: Record<string, never>, context: ProviderContext): Provider {
    const vendor = this.vendor;
    const name = context.name;
    return {
      name,
      type: 'scripted',
      channels: CHANNELS,
      async send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
        const calls = vendor.calls.get(name) ?? [];
        calls.push(message);
        vendor.calls.set(name, calls);
        if (vendor.delayMs > 0) await sleep(vendor.delayMs, signal);
        const error = vendor.scripts.get(name)?.(message, calls.length);
        if (error) throw error;
        const sent = vendor.sent.get(name) ?? [];
        sent.push(message);
        vendor.sent.set(name, sent);
        return { providerMessageId: `${name}-${message.id}-${message.attempt}` };
      },
    };
  }
}
