import type { Readable } from 'node:stream';

/**
 * Whether a request body ended because the client went away before sending all of it. Node
 * destroys such a request with ECONNRESET ("aborted"); a body the server stopped reading itself
 * (a reader that gave up, a store that failed) carries no such error, so its failure stays the
 * server's own. A body read to its end is never aborted.
 */
export function abortedByClient(body: Readable): boolean {
  const error = body.errored as NodeJS.ErrnoException | null;
  return body.readableAborted && error?.code === 'ECONNRESET';
}
