import { MissiveError } from '../../core/errors.js';

/** A call was refused because the provider's circuit is open (or its single probe is taken). */
export class BrokenCircuitError extends MissiveError {
  readonly code = 'circuit_open';
  constructor(
    /** When to ask again, in milliseconds since the epoch (see Rejection.until). */
    readonly until: number,
    /** The name of the circuit (the provider instance), when known. */
    readonly circuit?: string,
  ) {
    super(`${circuit === undefined ? 'the circuit' : `the circuit of ${circuit}`} is open until ${describeTime(until)}`);
    this.name = 'BrokenCircuitError';
  }
}

function describeTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
