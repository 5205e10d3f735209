/**
 * Holds writes back while a channel's write buffer is full. They wait for the channel's `drain`;
 * if the channel closes first, it will never drain, so they are released at once with the error
 * instead of waiting for ever.
 */
export class WriteGate {
  #shut: { promise: Promise<void>; open: () => void; fail: (error: Error) => void } | undefined;

  /** Undefined while writes may go ahead; else a promise that resolves once they may. */
  wait(): Promise<void> | undefined {
    return this.#shut?.promise;
  }

  /** The buffer is full: later writes wait (a second call changes nothing). */
  shut(): void {
    if (this.#shut) return;
    let open: () => void = () => undefined;
    let fail: (error: Error) => void = () => undefined;
    const promise = new Promise<void>((resolve, reject) => {
      open = resolve;
      fail = reject;
    });
    // Nobody may be waiting yet; a failure then concerns no one.
    promise.catch(() => undefined);
    this.#shut = { promise, open, fail };
  }

  /** The buffer drained: the writes waiting go ahead. */
  drained(): void {
    const shut = this.#shut;
    this.#shut = undefined;
    shut?.open();
  }

  /** The channel is gone: the writes waiting fail with `error`. */
  fail(error: Error): void {
    const shut = this.#shut;
    this.#shut = undefined;
    shut?.fail(error);
  }
}
