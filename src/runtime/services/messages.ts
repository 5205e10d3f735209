import { NotFoundError } from '../../core/errors.js';
import type { Delivery } from '../../message/types.js';
import { messageView, type MessageView } from '../../message/view.js';
import type { Runtime } from '../runtime.js';

/** A message's public view with its history; throws NotFoundError when there is none. */
export async function getMessageView(runtime: Runtime, id: string): Promise<MessageView> {
  const record = await runtime.store.getMessage(id);
  if (!record) throw new NotFoundError('message', id);
  return messageView(record, await runtime.store.getHistory(id));
}

/** Cancels a message not yet dispatched and returns its view (NotFoundError, ConflictError). */
export async function cancelMessage(runtime: Runtime, id: string): Promise<MessageView> {
  const record = await runtime.store.cancel(id, runtime.clock.now());
  return messageView(record, await runtime.store.getHistory(record.id));
}

/**
 * Moves a message not yet dispatched to a new time and returns its view: `scheduled` at a time
 * (a past time means now), or `immediate` for now (NotFoundError, ConflictError).
 */
export async function rescheduleMessage(runtime: Runtime, id: string, delivery: Delivery): Promise<MessageView> {
  const now = runtime.clock.now();
  const dueAt = delivery.mode === 'scheduled' ? Math.max(Date.parse(delivery.at), now) : now;
  const record = await runtime.store.reschedule(id, dueAt, now);
  return messageView(record, await runtime.store.getHistory(record.id));
}
