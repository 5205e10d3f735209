import type { Runtime } from '../runtime.js';

/** The state of one dependency. */
export type CheckState = 'up' | 'down';

/** What readiness found; `broker` is absent where no role of the process uses RabbitMQ. */
export interface Readiness {
  ready: boolean;
  checks: { broker?: CheckState; store: CheckState };
}

/** How long one readiness check may take before its dependency counts as down, in ms. */
export const READINESS_TIMEOUT_MS = 2_000;

/** Options of {@link checkReadiness}. */
export interface ReadinessOptions {
  /** Whether the process needs RabbitMQ (every role but the batch runner does). Default true. */
  broker?: boolean;
  /** How long one check may take, in ms. Default {@link READINESS_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * Checks the process can do its work: the store answering, and RabbitMQ connected where the
 * process needs it (a batch runner alone does not, and is never made to connect). Each check is
 * bounded by the timeout, so a hung dependency reads as down, not as a hang.
 */
export async function checkReadiness(runtime: Runtime, options: ReadinessOptions = {}): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? READINESS_TIMEOUT_MS;
  const needsBroker = options.broker ?? true;
  const [broker, store] = await Promise.all([
    needsBroker ? within(timeoutMs, async () => (await runtime.broker()).isConnected()) : undefined,
    within(timeoutMs, async () => {
      await runtime.store.ping();
      return true;
    }),
  ]);
  const checks = { ...(broker !== undefined && { broker: state(broker) }), store: state(store) };
  return { ready: broker !== false && store, checks };
}

function state(up: boolean): CheckState {
  return up ? 'up' : 'down';
}

/** Runs a check; false when it fails or outlasts the timeout. */
async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
