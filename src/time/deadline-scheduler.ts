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
  /** The pass in progress, if any: one at a time, and stop() waits for it. */
  private pass: Promise<void> | null = null;
  /** A timer fired during a pass: another pass follows it, so that deadline is not skipped. */
  private again = false;

  constructor(
    private readonly clock: Clock,
    private readonly work: DeadlineWork,
    private readonly log: Logger,
    /** Re-read the database at least this often (ms); null: only this process makes offers. */
    private readonly maxSleepMs: number | null = null,
  ) {}

  /** Catches up on overdue deadlines (resolves when that first pass has ended), then arms. */
  start(): Promise<void> {
    this.running = true;
    this.run();
    return this.idle();
  }

  /** Resolves once no pass is running or waiting to run (its backlog included). */
  async idle(): Promise<void> {
    while (this.pass || this.immediate) {
      if (this.pass) await this.pass;
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
    await this.pass;
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
    if (this.pass) {
      this.again = true;
      return;
    }
    this.again = false;
    this.pass = this.runPass().finally(() => {
      this.pass = null;
      if (this.again) this.run();
    });
  }

  private async runPass(): Promise<void> {
    try {
      const started = this.clock.now();
      const { processed, more } = await this.work.processDue();
      if (processed > 0) this.log.debug({ expired: processed, tookMs: this.clock.now() - started }, 'deadlines processed');
      if (!this.running) return;
      if (more) {
        // A backlog: the next batch right after the I/O waiting now, not in this same turn.
        this.immediate ??= setImmediate(() => {
          this.immediate = null;
          this.run();
        });
        return;
      }
      const next = await this.work.earliest();
      // A deadline announced meanwhile (notify) may have armed an earlier timer: keep the earlier.
      if (next !== null && this.running && (this.armedFor === null || next < this.armedFor)) {
        this.arm(Math.max(next, this.clock.now() + 1));
      } else if (next === null && this.running && this.armedFor === null && this.maxSleepMs !== null) {
        // Nothing pending now; another instance may make an offer and die before we hear of it.
        this.arm(this.clock.now() + this.maxSleepMs);
      }
    } catch (err) {
      // Never let one failure stop the clock: try again shortly.
      this.log.error({ err }, 'processing deadlines failed; retrying in 1 s');
      if (this.running) this.arm(this.clock.now() + 1000);
    }
  }
}
