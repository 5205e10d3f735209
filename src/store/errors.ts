import { MissiveError } from '../core/errors.js';

/** A command that only acts on existing records found no database where MISSIVE_DATABASE_URL points. */
export class DatabaseMissingError extends MissiveError {
  readonly code = 'no_database';
  constructor(readonly path: string) {
    super(`no database at ${path}; start Missive or run missive migrate first (check MISSIVE_DATABASE_URL)`);
    this.name = 'DatabaseMissingError';
  }
}
