/** Every channel Missive delivers on; each has its own queue. */
export const CHANNELS = ['email', 'sms', 'webhook', 'chat'] as const;

/** One of {@link CHANNELS}. */
export type Channel = (typeof CHANNELS)[number];

/** True when `value` names a channel. */
export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
