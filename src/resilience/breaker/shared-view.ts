import type { BreakerStatus } from './board.js';
import type { BreakerStateStore, SharedBreakerState } from './shared-state.js';

/**
 * The fleet's circuits, read once from the store, for reports (`missive providers`, `GET
 * /v1/providers`). Reading them starts no sync and claims no probe: a process that only reports
 * on a provider must never stand in the way of the one probe a calling process needs.
 */
export async function readSharedBreakers(store: BreakerStateStore, now: number): Promise<(provider: string) => BreakerStatus> {
  const rows = new Map((await store.readBreakers()).map((row) => [row.provider, row]));
  return (provider) => sharedStatus(rows.get(provider), now);
}

/**
 * One shared row as a status: closed; open until its break ends (and after it, until a process
 * claims the probe); half-open while a process holds the probe, until that claim expires.
 */
export function sharedStatus(row: SharedBreakerState | undefined, now: number): BreakerStatus {
  if (row === undefined || row.state === 'closed') return { state: 'closed', nextProbeAt: undefined };
  const claimExpiresAt = row.probeOwner === null ? null : row.probeExpiresAt;
  if (row.until !== null && now >= row.until && claimExpiresAt !== null && claimExpiresAt > now) {
    return { state: 'half_open', nextProbeAt: claimExpiresAt };
  }
  return { state: 'open', nextProbeAt: row.until ?? undefined };
}
