import type { Runtime } from '../runtime.js';

/** The state of one dependency. */
export type CheckState = 'up' | 'down';

/** What readiness found. */
export interface Readiness {
  ready: boolean;
  checks: { broker: CheckState; store: CheckState };
}

/** How long one readiness check may take before its dependency counts as down, in ms. */
export const READINESS_TIMEOUT_MS = 2_000;

/**
 * Checks the process can do its work: RabbitMQ connected and the store answering. Each check
 * is bounded by {@link READINESS_TIMEOUT_MS}, so a hung dependency reads as down, not as a hang.
 */
export async function checkReadiness(runtime: Runtime, timeoutMs = READINESS_TIMEOUT_MS): Promise<Readiness> {
  const [broker, store] = await Promise.all([
    within(timeoutMs, async () => (await runtime.broker()).isConnected()),
    within(timeoutMs, async () => {
      await runtime.store.ping();
      return true;
    }),
  ]);
  const checks = { broker: state(broker), store: state(store) };
  return { ready: broker && store, checks };
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
