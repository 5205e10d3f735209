/** What the coalescer needs of a channel: amqplib's `ack(message, allUpTo)`. */
export interface AckChannel<M> {
  ack(message: M, allUpTo?: boolean): void;
}

/**
 * Acknowledges one channel's deliveries in groups. The acks of one event-loop turn that form an
 * unbroken run from the oldest delivery still in hand go out as one `multiple` ack; the others
 * one by one. (In a raw amqplib test on this machine, acknowledging in groups saved RabbitMQ
 * ~10% of its CPU per message; amqplib offers only the flag, not the bookkeeping.)
 *
 * Safe because a channel's delivery tags grow by one per delivery and a multiple ack settles
 * every unsettled tag up to its own: only a run of tags all acked is ever covered, never a
 * delivery still being handled. A nack goes out at once and leaves the run (RabbitMQ no longer
 * counts it unsettled), so a later multiple ack passing over its tag does not touch it.
 */
export class AckCoalescer<M extends { fields: { deliveryTag: number } }> {
  /** Deliveries in hand, oldest first, each with its ack if one waits for the flush. */
  readonly #inHand = new Map<number, M | undefined>();
  #flushScheduled = false;

  constructor(
    private readonly channel: AckChannel<M>,
    /** Told when a flush at the end of a turn fails (its channel closed: RabbitMQ redelivers). */
    private readonly onError: (error: unknown) => void,
    private readonly defer: (flush: () => void) => void = setImmediate,
  ) {}

  /** A delivery arrived: it is in hand until acked or nacked. */
  received(message: M): void {
    this.#inHand.set(message.fields.deliveryTag, undefined);
  }

  /** Acks `message` at the end of this turn, with the others acked meanwhile. */
  ack(message: M): void {
    if (!this.#inHand.has(message.fields.deliveryTag)) {
      this.channel.ack(message);
      return;
    }
    this.#inHand.set(message.fields.deliveryTag, message);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    this.defer(() => {
      try {
        this.flush();
      } catch (error) {
        this.onError(error);
      }
    });
  }

  /** Takes `message` out of the run before it is nacked (or otherwise settled) right away. */
  settledElsewhere(message: M): void {
    this.#inHand.delete(message.fields.deliveryTag);
  }

  /** Sends the waiting acks now. Throws what the channel throws (a closed channel). */
  flush(): void {
    this.#flushScheduled = false;
    let last: M | undefined;
    let run = 0;
    for (const [tag, acked] of this.#inHand) {
      if (acked === undefined) break;
      last = acked;
      run++;
      this.#inHand.delete(tag);
    }
    if (last !== undefined) this.channel.ack(last, run > 1);
    for (const [tag, acked] of this.#inHand) {
      if (acked === undefined) continue;
      this.#inHand.delete(tag);
      this.channel.ack(acked);
    }
  }
}
