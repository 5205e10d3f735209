/** Writes a stream of text to a pipe such as stdout; see {@link pipeWriter}. */
export interface PipeWriter {
  /**
   * Writes `text`, waiting while the stream is full, so output of any length streams in bounded
   * memory. Resolves false once the reader has gone away (EPIPE, as under `| head`): the caller
   * stops writing, quietly. Rejects with any other error of the stream.
   */
  write(text: string): Promise<boolean>;
  /** Stops listening to the stream. */
  close(): void;
}

/**
 * A writer for long output on `stream` (default stdout). A reader that stops reading early, as
 * `head` does, is no failure of the command: the command ends normally instead of with EPIPE.
 */
export function pipeWriter(stream: NodeJS.WritableStream = process.stdout): PipeWriter {
  let failure: NodeJS.ErrnoException | undefined;
  // Errors of a stream are emitted, not thrown: without a listener, EPIPE would crash the process.
  const onError = (error: NodeJS.ErrnoException): void => {
    failure ??= error;
  };
  stream.on('error', onError);
  const outcome = (): boolean => {
    if (failure === undefined) return true;
    if (failure.code === 'EPIPE') return false;
    throw failure;
  };
  return {
    async write(text) {
      if (failure !== undefined) return outcome();
      if (!stream.write(text)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            stream.off('drain', done);
            stream.off('error', done);
            resolve();
          };
          stream.on('drain', done);
          stream.on('error', done);
        });
      }
      return outcome();
    },
    close() {
      // A stream whose reader is gone may still report it: keep it from being unhandled.
      stream.off('error', onError);
      if (failure?.code === 'EPIPE') stream.on('error', () => undefined);
    },
  };
}
