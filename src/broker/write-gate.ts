/**
 * Holds publishes back while a channel's write buffer is full. They wait for the channel's
 * `drain`; if the channel closes (or the connection drops) first, it will never drain, so they
 * are released at once with the error instead of waiting for ever.
 */
export class WriteGate<C> {
  #shut: { channel: C; promise: Promise<C>; open: () => void; fail: (error: Error) => void } | undefined;

  /** Undefined when `channel` takes writes now; else a promise of it once it drained. */
  wait(channel: C): Promise<C> | undefined {
    return this.#shut?.channel === channel ? this.#shut.promise : undefined;
  }

  /** The channel's buffer is full: later writes wait (a second call changes nothing). */
  shut(channel: C): void {
    if (this.#shut?.channel === channel) return;
    this.#shut?.fail(new Error('superseded'));
    let open: () => void = () => undefined;
    let fail: (error: Error) => void = () => undefined;
    const promise = new Promise<C>((resolve, reject) => {
      open = () => resolve(channel);
      fail = reject;
    });
    // Nobody may be waiting yet; a failure then concerns no one.
    promise.catch(() => undefined);
    this.#shut = { channel, promise, open, fail };
  }

  /** The channel drained: the writes waiting for it go ahead. */
  drained(channel: C): void {
    const shut = this.#shut;
    if (shut?.channel !== channel) return;
    this.#shut = undefined;
    shut.open();
  }

  /** The channel is gone: the writes waiting for it fail with `error`. */
  fail(channel: C | undefined, error: Error): void {
    const shut = this.#shut;
    if (!shut || (channel !== undefined && shut.channel !== channel)) return;
    this.#shut = undefined;
    shut.fail(error);
  }
}
