// One timer for the earliest offer deadline. Deadlines live in the database (offers.expires_at),
// so nothing is lost across a restart: on start the scheduler first processes every deadline that
// passed while the server was down, then arms for the earliest one left.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from './clock.js';

export interface DeadlineWork {
  /** Processes a batch of what is due now: how many, and whether more may be due (a full batch). */
  processDue(): { processed: number; more: boolean };
  /** The earliest deadline still ahead (ms since the epoch), or null when there is none. */
  earliest(): number | null;
}

export class DeadlineScheduler {
  private timer: TimerHandle | null = null;
  /** The next batch of a backlog, after the event loop has had its turn (not a clock timer). */
  private immediate: NodeJS.Immediate | null = null;
  private armedFor: number | null = null;
  private running = false;

  constructor(private readonly clock: Clock, private readonly work: DeadlineWork, private readonly log: Logger) {}

  /** Catches up on overdue deadlines, then arms. */
  start(): void {
    this.running = true;
    this.run();
  }

  /** A new deadline exists: arm earlier if it comes before the one armed for. */
  notify(at: number): void {
    if (!this.running) return;
    if (this.armedFor === null || at < this.armedFor) this.arm(at);
  }

  stop(): void {
    this.running = false;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.timer?.cancel();
    this.timer = null;
    this.armedFor = null;
  }

  private arm(at: number): void {
    this.timer?.cancel();
    this.armedFor = at;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.timer = null;
      this.armedFor = null;
      this.run();
    });
  }

  private run(): void {
    if (!this.running) return;
    try {
      const started = this.clock.now();
      const { processed, more } = this.work.processDue();
      if (processed > 0) this.log.debug({ expired: processed, tookMs: this.clock.now() - started }, 'deadlines processed');
      if (more) {
        // A backlog: the next batch right after the I/O waiting now, not in this same turn.
        this.immediate ??= setImmediate(() => {
          this.immediate = null;
          this.run();
        });
        return;
      }
    } catch (err) {
      // Never let one failure stop the clock: try again shortly.
      this.log.error({ err }, 'processing deadlines failed; retrying in 1 s');
      this.arm(this.clock.now() + 1000);
      return;
    }
    const next = this.work.earliest();
    if (next !== null) this.arm(Math.max(next, this.clock.now() + 1));
  }
}
