import { MissiveError } from '../core/errors.js';

/** The broker cannot take a publish now (disconnected, no confirm in time, refused). */
export class BrokerUnavailableError extends MissiveError {
  readonly code = 'broker_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'BrokerUnavailableError';
  }
}
