import { monotonicFactory } from 'ulidx';

/** Makes unique ids; injected so tests get predictable ones. */
export type IdGenerator = () => string;

/**
 * Ids are ULIDs: 26 characters, unique, and sortable by creation time (monotonic within one
 * millisecond), so a plain `ORDER BY id` is creation order in every store.
 */
export function createIdGenerator(): IdGenerator {
  const next = monotonicFactory();
  return () => next();
}
