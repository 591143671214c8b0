// The lock around the one better-sqlite3 connection. A transaction of the async port holds it from
// BEGIN to COMMIT, across every await of its callback: without it, a read from outside the
// transaction that ran during one of those awaits would see the transaction's uncommitted rows, and
// a write would silently join (and commit or roll back with) it.
//
// Statements are synchronous, so a call from outside a transaction does not hold the lock: it runs
// at once when the lock is free (the common case, costing one check), and otherwise waits its turn
// behind the holder and everything queued before it, in arrival order.

type Waiter =
  /** A synchronous call to run when its turn comes; it does not keep the lock. */
  | { kind: 'call'; run: () => void }
  /** A holder waiting for the lock. */
  | { kind: 'hold'; acquired: () => void };

export class ConnectionLock {
  private held = false;
  private readonly waiting: Waiter[] = [];

  /** Whether a transaction holds the connection now. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Runs `call` now if the lock is free, else once every holder and call queued before it is done. */
  run<R>(call: () => R): Promise<R> {
    if (!this.held) {
      try {
        return Promise.resolve(call());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({
        kind: 'call',
        run: () => {
          try {
            resolve(call());
          } catch (err) {
            reject(err);
          }
        },
      });
    });
  }

  /** Like run(() => fn(...args)); the closure is made only when the call must wait (async-facade.ts). */
  apply<R>(fn: (...args: unknown[]) => R, args: unknown[]): Promise<R> {
    if (!this.held) {
      try {
        return Promise.resolve(fn(...args));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.run(() => fn(...args));
  }

  /** Holds the lock while `fn` runs (however long it awaits), then hands it on. */
  async hold<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held) await new Promise<void>((acquired) => this.waiting.push({ kind: 'hold', acquired }));
    else this.held = true;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Runs the waiting calls in order up to the next holder, which then gets the lock. */
  private release(): void {
    this.held = false;
    for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
      if (next.kind === 'hold') {
        this.held = true;
        next.acquired();
        return;
      }
      next.run();
    }
  }
}
