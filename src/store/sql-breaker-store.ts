import type { Kysely } from 'kysely';
import type { BreakerStateStore, SharedBreakerChange, SharedBreakerState } from '../resilience/breaker/shared-state.js';
import type { SqlContext } from './dialect.js';

interface BreakersTable {
  provider: string;
  state: string;
  opened_at: number | null;
  until: number | null;
  break_ms: number;
  version: number;
  probe_owner: string | null;
  probe_expires_at: number | null;
  updated_at: number;
}

/** Shared circuit breaker state in the `breakers` table; every write is compare-and-set. */
export class SqlBreakerStore implements BreakerStateStore {
  readonly #db: Kysely<{ breakers: BreakersTable }>;

  constructor(context: SqlContext) {
    this.#db = context.db.withTables<{ breakers: BreakersTable }>() as unknown as Kysely<{ breakers: BreakersTable }>;
  }

  async readBreakers(): Promise<SharedBreakerState[]> {
    const rows = await this.#db.selectFrom('breakers').selectAll().execute();
    return rows.map((row) => ({
      provider: row.provider,
      state: row.state === 'open' ? 'open' : 'closed',
      openedAt: row.opened_at === null ? null : Number(row.opened_at),
      until: row.until === null ? null : Number(row.until),
      breakMs: Number(row.break_ms),
      version: Number(row.version),
      probeOwner: row.probe_owner,
      probeExpiresAt: row.probe_expires_at === null ? null : Number(row.probe_expires_at),
      updatedAt: Number(row.updated_at),
    }));
  }

  async writeBreaker(provider: string, expectedVersion: number, change: SharedBreakerChange, now: number): Promise<number | undefined> {
    const values = {
      state: change.state,
      opened_at: change.openedAt,
      until: change.until,
      break_ms: change.breakMs,
      probe_owner: null,
      probe_expires_at: null,
      updated_at: now,
    };
    if (expectedVersion === 0) {
      const inserted = await this.#db
        .insertInto('breakers')
        .values({ provider, version: 1, ...values })
        .onConflict((oc) => oc.column('provider').doNothing())
        .returning('version')
        .executeTakeFirst();
      return inserted ? 1 : undefined;
    }
    const updated = await this.#db
      .updateTable('breakers')
      .set({ ...values, version: expectedVersion + 1 })
      .where('provider', '=', provider)
      .where('version', '=', expectedVersion)
      .returning('version')
      .executeTakeFirst();
    return updated ? Number(updated.version) : undefined;
  }

  async claimProbe(provider: string, owner: string, now: number, expiresAt: number): Promise<boolean> {
    const claimed = await this.#db
      .updateTable('breakers')
      .set({ probe_owner: owner, probe_expires_at: expiresAt, updated_at: now })
      .where('provider', '=', provider)
      .where('state', '=', 'open')
      .where((eb) => eb.or([eb('probe_owner', 'is', null), eb('probe_expires_at', '<=', now), eb('probe_owner', '=', owner)]))
      .returning('provider')
      .executeTakeFirst();
    return claimed !== undefined;
  }

  async releaseProbe(provider: string, owner: string): Promise<void> {
    await this.#db
      .updateTable('breakers')
      .set({ probe_owner: null, probe_expires_at: null })
      .where('provider', '=', provider)
      .where('probe_owner', '=', owner)
      .execute();
  }
}
