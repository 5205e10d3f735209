/** A provider's circuit as the fleet shares it through the store. */
export interface SharedBreakerState {
  provider: string;
  state: 'closed' | 'open';
  openedAt: number | null;
  /** When the break ends. */
  until: number | null;
  breakMs: number;
  /** Grows by one on every write: writes are compare-and-set on it. */
  version: number;
  /** The process allowed to send the one probe when the break ends. */
  probeOwner: string | null;
  probeExpiresAt: number | null;
  /** When the row was last written or its probe claimed (so, while claimed, when the claim was made). */
  updatedAt: number;
}

/** The shared circuit's state, as written by one process. */
export interface SharedBreakerChange {
  state: 'closed' | 'open';
  openedAt: number | null;
  until: number | null;
  breakMs: number;
}

/** Where circuit state is shared between processes (the store implements it). */
export interface BreakerStateStore {
  readBreakers(): Promise<SharedBreakerState[]>;
  /**
   * Writes a provider's state if its version is still `expectedVersion` (0: no row yet), clearing
   * any probe ownership. Returns the new version, or undefined when another process wrote first.
   */
  writeBreaker(provider: string, expectedVersion: number, change: SharedBreakerChange, now: number): Promise<number | undefined>;
  /** Takes the right to send the probe of an open circuit, unless another process holds an unexpired one. */
  claimProbe(provider: string, owner: string, now: number, expiresAt: number): Promise<boolean>;
  /** Gives up the right to send the probe, if `owner` still holds it. */
  releaseProbe(provider: string, owner: string): Promise<void>;
}
