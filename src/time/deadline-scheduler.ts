// One timer for the earliest offer deadline. Deadlines live in the database (offers.expires_at),
// so nothing is lost across a restart: on start the scheduler first processes every deadline that
// passed while the server was down, then arms for the earliest one left.
//
// Several instances on one database (maxSleepMs set): any of them may make an offer, and any must
// close its window even when the one that made it has died. Each arms for the earliest deadline it
// knows of (its own offers, and the 'deadline' signals of the others: notify), and re-reads the
// earliest pending deadline from the database at least every maxSleepMs whatever it heard, so a
// missed signal delays a window's close by at most that. All of them firing for the same deadline is
// harmless: the store claims due offers with SKIP LOCKED and expires each once.
//
// A backlog (a pass that took a full batch) is worked off by up to `concurrency` passes at once where the
// store allows it (Store.deadlinePasses): on PostgreSQL a pass is mostly round trips, and passes running
// together take disjoint batches, as the passes of several instances do. Whichever pass is the last to
// have its batch answered decides what comes next: more passes, or the timer for the earliest deadline.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from './clock.js';

export interface DeadlineWork {
  /** Processes a batch of what is due now: how many, and whether more may be due (a full batch). */
  processDue(): Promise<{ processed: number; more: boolean }>;
  /** The earliest deadline still ahead (ms since the epoch), or null when there is none. */
  earliest(): Promise<number | null>;
}

export class DeadlineScheduler {
  private timer: TimerHandle | null = null;
  /** The next batch of a backlog, after the event loop has had its turn (not a clock timer). */
  private immediate: NodeJS.Immediate | null = null;
  private armedFor: number | null = null;
  private running = false;
  /** The passes in progress: one at a time, or up to `concurrency` through a backlog; stop() waits for them. */
  private readonly passes = new Set<Promise<void>>();
  /** The last pass to end took a full batch: more may be due, and `concurrency` passes may run. */
  private backlog = false;
  /** Passes whose batch (processDue) has not answered yet. */
  private batching = 0;
  /** A timer fired while no pass could start: another pass follows one in progress, so that deadline is not skipped. */
  private again = false;

  constructor(
    private readonly clock: Clock,
    private readonly work: DeadlineWork,
    private readonly log: Logger,
    /** Re-read the database at least this often (ms); null: only this process makes offers. */
    private readonly maxSleepMs: number | null = null,
    /**
     * Passes that may run at once through a backlog (processDue taking full batches). A pass is mostly
     * waiting: a round trip per statement, each answered a turn of a busy event loop later. Where the
     * store claims due work with SKIP LOCKED (PostgreSQL), passes running together take disjoint batches,
     * as the passes of several instances do. 1 keeps them one at a time (SQLite: one writer anyway).
     */
    private readonly concurrency = 1,
  ) {}

  /** Catches up on overdue deadlines (resolves when that first pass has ended), then arms. */
  start(): Promise<void> {
    this.running = true;
    this.run();
    return this.idle();
  }

  /** Resolves once no pass is running or waiting to run (its backlog included). */
  async idle(): Promise<void> {
    while (this.passes.size > 0 || this.immediate) {
      if (this.passes.size > 0) await Promise.all(this.passes);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** A new deadline exists: arm earlier if it comes before the one armed for. */
  notify(at: number): void {
    if (!this.running) return;
    if (this.armedFor === null || at < this.armedFor) this.arm(at);
  }

  /** Stops arming timers, and resolves when the pass in progress (if any) has ended. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.timer?.cancel();
    this.timer = null;
    this.armedFor = null;
    await Promise.all(this.passes);
  }

  private arm(at: number): void {
    if (this.maxSleepMs !== null) at = Math.min(at, this.clock.now() + this.maxSleepMs);
    this.timer?.cancel();
    this.armedFor = at;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.timer = null;
      this.armedFor = null;
      this.run();
      // The pass this started, for a test clock to wait on (clock.ts TimerFn).
      return this.idle();
    });
  }

  private run(): void {
    if (!this.running) return;
    if (this.passes.size >= (this.backlog ? this.concurrency : 1)) {
      this.again = true;
      return;
    }
    this.again = false;
    this.batching++;
    const pass: Promise<void> = this.runPass().finally(() => {
      this.passes.delete(pass);
      if (this.again) this.run();
    });
    this.passes.add(pass);
  }

  /** Through a backlog: as many passes as may run, after the I/O waiting now (not in this same turn). */
  private continueBacklog(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = null;
      while (this.running && this.backlog && this.passes.size < this.concurrency) this.run();
    });
  }

  private async runPass(): Promise<void> {
    const started = this.clock.now();
    let outcome: { processed: number; more: boolean };
    try {
      outcome = await this.work.processDue();
    } catch (err) {
      this.batching--;
      this.failed(err);
      return;
    }
    // Counted down in the same step as the check below: of passes ending together, exactly the last to
    // have its batch decides what comes next (two that both saw the other running would arm nothing).
    this.batching--;
    try {
      const { processed, more } = outcome;
      if (processed > 0) this.log.debug({ expired: processed, tookMs: this.clock.now() - started }, 'deadlines processed');
      if (!this.running) return;
      this.backlog = more;
      if (more) {
        this.continueBacklog();
        return;
      }
      // Another pass has not had its batch yet: it decides when it has (and goes on if it found more).
      if (this.batching > 0) return;
      const next = await this.work.earliest();
      // A deadline announced meanwhile (notify) may have armed an earlier timer: keep the earlier.
      if (next !== null && this.running && (this.armedFor === null || next < this.armedFor)) {
        this.arm(Math.max(next, this.clock.now() + 1));
      } else if (next === null && this.running && this.armedFor === null && this.maxSleepMs !== null) {
        // Nothing pending now; another instance may make an offer and die before we hear of it.
        this.arm(this.clock.now() + this.maxSleepMs);
      }
    } catch (err) {
      this.failed(err);
    }
  }

  /** Never lets one failure stop the clock: tries again shortly. */
  private failed(err: unknown): void {
    this.log.error({ err }, 'processing deadlines failed; retrying in 1 s');
    this.backlog = false;
    if (this.running) this.arm(this.clock.now() + 1000);
  }
}
