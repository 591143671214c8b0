// Time is read only through a Clock, so that 15-minute windows and halts are tested without waiting.
// The clock also owns timers: a test clock fires them when it is advanced.

export interface TimerHandle {
  cancel(): void;
}

/** What a timer runs: nothing to wait for, or the promise of the work it started. */
export type TimerFn = () => void | Promise<unknown>;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Runs `fn` once after `ms` milliseconds of this clock's time. `fn` may return the promise of the
   * work it started (a database transaction): a test clock waits for it before moving time on, so
   * that work on an asynchronous database (PostgreSQL) ends at its own time too. Others ignore it.
   */
  setTimer(ms: number, fn: TimerFn): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    // A pending deadline must not keep a finished process alive; shutdown cancels it anyway.
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that moves only when told to; `advance` fires the timers that fall due, in order. */
export class ManualClock implements Clock {
  private timers: { at: number; seq: number; fn: TimerFn }[] = [];
  private seq = 0;

  constructor(private current = Date.UTC(2026, 0, 5, 9, 0, 0)) {}

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: TimerFn): TimerHandle {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return { cancel: () => { this.timers = this.timers.filter((t) => t !== timer); } };
  }

  /**
   * Moves time forward by `ms`, firing each timer due on the way at its own time. After each, the
   * work it started is let run (one turn of the event loop: a store transaction, say) before time
   * moves on, so that a timer that work arms (the next deadline) fires at its own time too.
   */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      // The work the timer started (returned), then one turn of the event loop for what it set off.
      await Promise.resolve(due.fn()).catch(() => {});
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.current = end;
  }

  /** Timers still armed: tests check that none is left behind. */
  get pendingTimers(): number {
    return this.timers.length;
  }
}
