import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from './prometheus.js';

/** The value of one sample line of the text format, or undefined when absent. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('PrometheusMetrics', () => {
  it('counts what the roles report, by channel, mode and provider', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.accepted('email', 'immediate');
    metrics.accepted('email', 'immediate');
    metrics.accepted('sms', 'scheduled');
    metrics.delivered('email', 'inbox', 1500);
    metrics.retried('sms', 'twilio', 'rate_limited');
    metrics.deadLettered('sms', 'twilio', 'permanent');
    metrics.deadLettered('chat', null, 'dead');
    metrics.dispatched(20);
    const text = await metrics.render();
    expect(sample(text, 'missive_messages_accepted_total{channel="email",mode="immediate"}')).toBe(2);
    expect(sample(text, 'missive_messages_accepted_total{channel="sms",mode="scheduled"}')).toBe(1);
    expect(sample(text, 'missive_messages_delivered_total{channel="email",provider="inbox"}')).toBe(1);
    expect(sample(text, 'missive_delivery_retries_total{channel="sms",provider="twilio",kind="rate_limited"}')).toBe(1);
    expect(sample(text, 'missive_messages_dead_lettered_total{channel="sms",provider="twilio",reason="permanent"}')).toBe(1);
    expect(sample(text, 'missive_messages_dead_lettered_total{channel="chat",provider="none",reason="dead"}')).toBe(1);
    expect(sample(text, 'missive_delivery_latency_seconds_sum{channel="email",provider="inbox"}')).toBe(1.5);
    expect(sample(text, 'missive_delivery_latency_seconds_bucket{le="1",channel="email",provider="inbox"}')).toBe(0);
    expect(sample(text, 'missive_delivery_latency_seconds_bucket{le="2.5",channel="email",provider="inbox"}')).toBe(1);
    expect(sample(text, 'missive_scheduled_lateness_seconds_sum')).toBe(0.02);
    expect(metrics.contentType).toContain('text/plain');
  });

  it('counts messages failed for good by the kind of their last error, apart from those that could not be attempted', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.failed('email', 'sendgrid', 'permanent');
    metrics.failed('email', 'sendgrid', 'retryable');
    metrics.failed('email', 'sendgrid', 'permanent');
    const text = await metrics.render();
    expect(sample(text, 'missive_messages_failed_total{channel="email",provider="sendgrid",kind="permanent"}')).toBe(2);
    expect(sample(text, 'missive_messages_failed_total{channel="email",provider="sendgrid",kind="retryable"}')).toBe(1);
  });

  it('counts batch item outcomes and retries, and times the items sent', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.batchItem('chat', 'slack', 'sent', 200);
    metrics.batchItem('chat', 'slack', 'sent', 3_000);
    metrics.batchItem('chat', 'slack', 'failed', 50);
    metrics.batchItemRetried('chat', 'slack', 'rate_limited');
    const text = await metrics.render();
    expect(sample(text, 'missive_batch_items_total{channel="chat",provider="slack",outcome="sent"}')).toBe(2);
    expect(sample(text, 'missive_batch_items_total{channel="chat",provider="slack",outcome="failed"}')).toBe(1);
    expect(sample(text, 'missive_batch_item_retries_total{channel="chat",provider="slack",kind="rate_limited"}')).toBe(1);
    // Only items sent are timed, like deliveries.
    expect(sample(text, 'missive_batch_item_latency_seconds_count{channel="chat",provider="slack"}')).toBe(2);
    expect(sample(text, 'missive_batch_item_latency_seconds_sum{channel="chat",provider="slack"}')).toBe(3.2);
    expect(sample(text, 'missive_batch_item_latency_seconds_bucket{le="0.25",channel="chat",provider="slack"}')).toBe(1);
    // Batch items are not messages: the message counters stay apart.
    expect(text).not.toMatch(/missive_messages_delivered_total\{/);
  });

  it('reads breaker states, messages by status and queue depths at scrape time', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.observe({
      breakerStates: async () => [
        { provider: 'a', state: 'closed' },
        { provider: 'b', state: 'half_open' },
        { provider: 'c', state: 'open' },
      ],
      messageCounts: async () => ({ queued: 3, delivered: 7 }),
      queueDepths: async () => [
        { queue: 'email', depth: 4 },
        { queue: 'dead-letter', depth: 1 },
      ],
    });
    const text = await metrics.render();
    expect([sample(text, 'missive_breaker_state{provider="a"}'), sample(text, 'missive_breaker_state{provider="b"}'), sample(text, 'missive_breaker_state{provider="c"}')]).toEqual([0, 1, 2]);
    expect(sample(text, 'missive_messages{status="queued"}')).toBe(3);
    expect(sample(text, 'missive_messages{status="delivered"}')).toBe(7);
    expect(sample(text, 'missive_messages{status="failed"}')).toBe(0);
    expect(sample(text, 'missive_queue_depth{queue="email"}')).toBe(4);
    expect(sample(text, 'missive_queue_depth{queue="dead-letter"}')).toBe(1);
  });

  it('skips a failing or hung source without failing the scrape', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false, sourceTimeoutMs: 20 });
    metrics.observe({
      breakerStates: async () => {
        throw new Error('down');
      },
      messageCounts: () => new Promise(() => undefined),
      queueDepths: async () => [{ queue: 'sms', depth: 2 }],
    });
    const text = await metrics.render();
    expect(text).not.toContain('missive_breaker_state{');
    expect(text).not.toContain('missive_messages{');
    expect(sample(text, 'missive_queue_depth{queue="sms"}')).toBe(2);
  });

  it('reuses the messages-by-status count within the cache period', async () => {
    let now = 0;
    let queries = 0;
    const metrics = new PrometheusMetrics({ processMetrics: false, countCacheMs: 5_000, clock: { now: () => now } });
    metrics.observe({ messageCounts: async () => ({ queued: ++queries }) });
    await metrics.render();
    now = 4_999;
    expect(sample(await metrics.render(), 'missive_messages{status="queued"}')).toBe(1);
    now = 5_000;
    expect(sample(await metrics.render(), 'missive_messages{status="queued"}')).toBe(2);
    expect(queries).toBe(2);
  });

  it('keeps each instance in its own registry, with process metrics by default', async () => {
    const one = new PrometheusMetrics();
    const two = new PrometheusMetrics();
    one.accepted('chat', 'immediate');
    expect(await two.render()).not.toMatch(/missive_messages_accepted_total\{/);
    expect(await one.render()).toContain('process_cpu_user_seconds_total');
  });
});
