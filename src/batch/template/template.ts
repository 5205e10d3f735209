import type { JsonObject } from '../../core/json.js';
import type { Channel } from '../../message/channels.js';
import type { MessageContent } from '../../message/types.js';

/**
 * A batch's message template: a validated message without `to`, `idempotencyKey` or `delivery`,
 * whose `subject`, `text`, `html`, `from`, and string values inside `metadata` and webhook `data`
 * may hold `{{ column }}` placeholders. Plain JSON, so it can be stored as is; treat it as immutable
 * (renderTemplate caches its compiled form per object).
 */
export interface Template {
  channel: Channel;
  content: MessageContent;
  from?: string;
  /** Provider instance to use instead of the channel's order; never templated. */
  provider?: string;
  metadata?: JsonObject;
}
