/** One problem found in some input: where it is, which rule it broke, and a sentence for humans. */
export interface Issue {
  /** Dotted path of the field at fault, e.g. `delivery.at` or `providers.sendgrid.apiKey`. */
  path: string;
  /** Short stable name of the rule, e.g. `required`, `format`, `max_length`, `unknown_key`. */
  rule: string;
  /** Human-readable sentence that names the field. */
  message: string;
}

/** Base of every error Missive raises on purpose; `code` is stable and safe to branch on. */
export abstract class MissiveError extends Error {
  abstract readonly code: string;
}

/** Input (a message, a request, CLI arguments, a recipients row) broke one or more rules. */
export class ValidationError extends MissiveError {
  readonly code = 'validation_failed';
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map((issue) => issue.message).join('; ') || 'invalid input');
    this.name = 'ValidationError';
  }
}

/** The configuration file or environment is invalid; every issue names the config path. */
export class ConfigError extends MissiveError {
  readonly code = 'invalid_config';
  constructor(readonly issues: readonly Issue[]) {
    super(`invalid configuration: ${issues.map((issue) => issue.message).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** A message, batch or other resource does not exist. */
export class NotFoundError extends MissiveError {
  readonly code = 'not_found';
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** The request conflicts with the resource's current state (for example, cancel after dispatch). */
export class ConflictError extends MissiveError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Builds a single-issue ValidationError. */
export function invalid(path: string, rule: string, message: string): ValidationError {
  return new ValidationError([{ path, rule, message: `${path}: ${message}` }]);
}
