import { describe, expect, it } from 'vitest';
import { AckCoalescer } from './ack-coalescer.js';

interface Delivery {
  fields: { deliveryTag: number };
}

/** A coalescer over a channel that records its acks, flushed only when the test says. */
function setUp() {
  const acks: { tag: number; multiple: boolean }[] = [];
  const flushes: (() => void)[] = [];
  const coalescer = new AckCoalescer<Delivery>(
    { ack: (message, allUpTo = false) => acks.push({ tag: message.fields.deliveryTag, multiple: allUpTo }) },
    () => undefined,
    (flush) => flushes.push(flush),
  );
  const deliveries = [1, 2, 3, 4, 5].map((tag) => ({ fields: { deliveryTag: tag } }));
  for (const delivery of deliveries) coalescer.received(delivery);
  const endTurn = () => flushes.splice(0).forEach((flush) => flush());
  return { acks, coalescer, deliveries, endTurn };
}

describe('AckCoalescer', () => {
  it('acks a run of deliveries from the oldest in hand with one multiple ack, at the end of the turn', () => {
    const { acks, coalescer, deliveries, endTurn } = setUp();
    for (const delivery of deliveries.slice(0, 3)) coalescer.ack(delivery);
    expect(acks).toEqual([]);
    endTurn();
    expect(acks).toEqual([{ tag: 3, multiple: true }]);
  });

  it('never covers a delivery still in hand: acks past it go one by one', () => {
    const { acks, coalescer, deliveries, endTurn } = setUp();
    const [first, second, third, fourth] = deliveries as [Delivery, Delivery, Delivery, Delivery];
    coalescer.ack(first);
    coalescer.ack(third);
    coalescer.ack(fourth);
    endTurn();
    expect(acks).toEqual([
      { tag: 1, multiple: false },
      { tag: 3, multiple: false },
      { tag: 4, multiple: false },
    ]);
    // Once the straggler is acked, it is the oldest in hand and its ack is a plain one.
    coalescer.ack(second);
    endTurn();
    expect(acks.at(-1)).toEqual({ tag: 2, multiple: false });
  });

  it('lets a multiple ack pass over a delivery settled elsewhere (nacked), which RabbitMQ no longer holds unsettled', () => {
    const { acks, coalescer, deliveries, endTurn } = setUp();
    const [first, second, third] = deliveries as [Delivery, Delivery, Delivery];
    coalescer.ack(first);
    coalescer.settledElsewhere(second);
    coalescer.ack(third);
    endTurn();
    expect(acks).toEqual([{ tag: 3, multiple: true }]);
  });

  it('sends what waits when flushed by hand (before its channel closes), and schedules one flush per turn', () => {
    const flushes: (() => void)[] = [];
    const acked: number[] = [];
    const coalescer = new AckCoalescer<Delivery>({ ack: (message) => acked.push(message.fields.deliveryTag) }, () => undefined, (flush) => flushes.push(flush));
    for (const tag of [7, 8]) coalescer.received({ fields: { deliveryTag: tag } });
    coalescer.ack({ fields: { deliveryTag: 7 } });
    coalescer.ack({ fields: { deliveryTag: 8 } });
    expect(flushes).toHaveLength(1);
    coalescer.flush();
    expect(acked).toEqual([8]);
    flushes.splice(0).forEach((flush) => flush());
    expect(acked).toEqual([8]);
  });

  it('reports a flush that fails at the end of the turn (its channel closed) instead of throwing it', () => {
    const flushes: (() => void)[] = [];
    const errors: unknown[] = [];
    const closed = new Error('Channel closed');
    const coalescer = new AckCoalescer<Delivery>({ ack: () => { throw closed; } }, (error) => errors.push(error), (flush) => flushes.push(flush));
    coalescer.received({ fields: { deliveryTag: 1 } });
    coalescer.ack({ fields: { deliveryTag: 1 } });
    expect(() => flushes.splice(0).forEach((flush) => flush())).not.toThrow();
    expect(errors).toEqual([closed]);
  });

  it('acks at once a delivery it was never told of', () => {
    const { acks, coalescer } = setUp();
    coalescer.ack({ fields: { deliveryTag: 42 } });
    expect(acks).toEqual([{ tag: 42, multiple: false }]);
  });
});
