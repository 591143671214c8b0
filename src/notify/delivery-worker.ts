// Sends what the outbox holds. Routing only writes rows; this worker sends them afterwards, so a slow
// or failing provider never delays or breaks an offer. A failed attempt is retried with exponential
// backoff (1 s, 4 s, 16 s, 64 s) until MAX_ATTEMPTS; the retry time is a row, armed as one clock
// timer, so pending deliveries also resume after a restart.
import type { Logger } from 'pino';
import type { NotificationStore } from '../store/port.js';
import type { NotificationRow } from '../store/rows.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { Channels } from './channel.js';

/** After this many failed attempts a message is FAILED and not tried again. */
export const MAX_ATTEMPTS = 5;

/** How long after failed attempt number `attempt` (1-based) the next one is due: 1 s, 4 s, 16 s, … */
export const retryDelayMs = (attempt: number): number => 1000 * 4 ** (attempt - 1);

/** Messages sent in parallel per pass: bounds the connections opened to one provider at once. */
const BATCH = 20;

export class DeliveryWorker {
  private timer: TimerHandle | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** Ids being sent right now: never sent twice in parallel, even if a send outlasts its retry time. */
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly clock: Clock,
    private readonly store: NotificationStore,
    private readonly channels: Channels,
    private readonly logger: Logger,
  ) {}

  /** Starts delivering, beginning with whatever a previous run left PENDING. */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** New rows are in the outbox: send them soon, outside the caller's call stack. */
  kick(): void {
    if (this.stopped || this.immediate) return;
    // setImmediate, not the clock: this defers the work, it does not wait for time to pass.
    this.immediate = setImmediate(() => {
      this.immediate = null;
      void this.run();
    });
  }

  /**
   * Resolves once no delivery pass is queued or running: tests await it after an event or a clock
   * advance instead of sleeping.
   */
  async idle(): Promise<void> {
    while (this.immediate || this.running) {
      await (this.running ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  /** Stops the timer and waits for sends in progress, so that nothing writes after the database closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.timer?.cancel();
    this.timer = null;
    await this.running;
  }

  private run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          const now = this.clock.now();
          const claimed = await this.store.claimDue(new Date(now), BATCH, this.inFlight, (attempt) => new Date(now + retryDelayMs(attempt)));
          const sent = await Promise.all(claimed.map((row) => this.attempt(row)));
          // One commit for every message of the pass that went out.
          await this.store.markSent(claimed.filter((_, i) => sent[i]).map((row) => row.id), new Date(this.clock.now()));
          if (claimed.length === BATCH) this.again = true;
        } while (this.again && !this.stopped);
      } catch (err) {
        this.logger.error({ err }, 'notification delivery pass failed');
      } finally {
        this.running = null;
      }
      await this.arm();
    })();
    return this.running;
  }

  /** Arms one timer for the earliest retry. */
  private async arm(): Promise<void> {
    if (this.stopped) return;
    let at: number | null;
    try {
      at = await this.store.earliestDue();
    } catch (err) {
      this.logger.error({ err }, 'could not read when the next notification is due');
      return;
    }
    // Read after the await: another pass may have armed meanwhile, and this reading is as new as its.
    this.timer?.cancel();
    this.timer = null;
    if (at === null || this.stopped) return;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.timer = null;
      void this.run();
    });
  }

  /** One send of a claimed message; true when it went out (the caller marks it SENT). */
  private async attempt(row: NotificationRow): Promise<boolean> {
    const attempt = row.attempts;
    const channel = this.channels[row.channel];
    const about = { notificationId: row.id, leadId: row.leadId, channel: row.channel, attempt, via: channel.name };
    this.inFlight.add(row.id);
    try {
      await channel.send({ to: row.to, subject: row.subject, body: row.body });
      this.logger.debug(about, 'notification sent');
      return true;
    } catch (err) {
      const giveUp = attempt >= MAX_ATTEMPTS;
      const message = err instanceof Error ? err.message : String(err);
      await this.store.markAttemptFailed(row.id, message.slice(0, 500), giveUp);
      if (giveUp) this.logger.error({ ...about, error: message }, 'notification failed for good');
      else this.logger.warn({ ...about, error: message, retryInMs: retryDelayMs(attempt) }, 'notification attempt failed; will retry');
      return false;
    } finally {
      this.inFlight.delete(row.id);
    }
  }
}
