import type { MessageRecord } from '../../message/types.js';
import type { ProviderInstance } from '../../providers/instances.js';
import type { ProviderFactory } from '../../providers/provider.js';

/** A provider instance for the webhook channel whose calls answer as `answer` says, recorded in `calls`. */
export function fakeInstance(name: string, calls: string[], answer: () => Error | undefined = () => undefined): ProviderInstance {
  return {
    name,
    type: 'fake',
    provider: {
      name,
      type: 'fake',
      channels: ['webhook'],
      async send() {
        calls.push(name);
        const error = answer();
        if (error) throw error;
        return { providerMessageId: `${name}-1` };
      },
    },
    factory: {} as ProviderFactory,
    channels: ['webhook'],
    redactedOptions: {},
    secrets: [],
  };
}

/** A stored webhook message `m1`, created at `createdAt`, with the given state. */
export function webhookRecord(createdAt: number, state: Pick<MessageRecord, 'status' | 'attempts' | 'dueAt'>): MessageRecord {
  return {
    id: 'm1',
    channel: 'webhook',
    to: 'https://example.com/hook',
    content: { data: { n: 1 } },
    delivery: { mode: 'immediate' },
    ...state,
    scheduledAt: null,
    lastProvider: null,
    providerMessageId: null,
    lastError: null,
    createdAt,
    updatedAt: createdAt,
    publishedAt: createdAt,
    deliveredAt: null,
    batchId: null,
    batchItem: null,
  };
}
