// Sends what the outbox holds. Routing only writes rows; this worker sends them afterwards, so a slow
// or failing provider never delays or breaks an offer. Each channel is a lane of its own with its own
// bound on messages in flight (Channel.maxInFlight): a slow SMS provider fills the SMS lane and no
// other, and within a lane no message waits for another. Each message is claimed, sent and recorded
// on its own; when one finishes, the next due one starts at once.
//
// A send that outlasts SEND_TIMEOUT_MS is aborted and counts as a failed attempt. A failed attempt is
// retried with exponential backoff (1 s, 4 s, 16 s, 64 s) until MAX_ATTEMPTS; the retry time is a row,
// armed as one clock timer per lane, so pending deliveries also resume after a restart.
import type { Logger } from 'pino';
import type { NotificationRow, NotificationStore } from '../store/notification-store.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { Channel, ChannelKind, Channels } from './channel.js';

/** After this many failed attempts a message is FAILED and not tried again. */
export const MAX_ATTEMPTS = 5;

/** How long after failed attempt number `attempt` (1-based) the next one is due: 1 s, 4 s, 16 s, … */
export const retryDelayMs = (attempt: number): number => 1000 * 4 ** (attempt - 1);

/** A provider that has not answered within this long fails the attempt; it is retried as any failure. */
export const SEND_TIMEOUT_MS = 15_000;

/**
 * How long a claimed message stays claimed (notification-store.ts): should this process die while
 * sending it, it is due again this long after the claim. Longer than SEND_TIMEOUT_MS, so that a
 * send of a live process has ended before its lease does.
 */
export const CLAIM_LEASE_MS = 30_000;

/** How long stop() lets sends in flight finish before it aborts them (they are retried after restart). */
export const STOP_GRACE_MS = 5_000;

interface Lane {
  kind: ChannelKind;
  channel: Channel;
  /** The messages being sent, by id, each with the promise of its whole attempt (never rejects). */
  inFlight: Map<number, Promise<void>>;
  /** The timer for the lane's next due message, and the time it is armed for. */
  timer: TimerHandle | null;
  armedAt: number | null;
}

export class DeliveryWorker {
  private readonly lanes: Lane[];
  private immediate: NodeJS.Immediate | null = null;
  private stopped = true;
  /** The abort of every send in flight, for stop(). */
  private readonly aborts = new Set<AbortController>();

  constructor(
    private readonly clock: Clock,
    private readonly store: NotificationStore,
    channels: Channels,
    private readonly logger: Logger,
  ) {
    this.lanes = (Object.keys(channels) as ChannelKind[]).map((kind) => ({
      kind, channel: channels[kind], inFlight: new Map(), timer: null, armedAt: null,
    }));
  }

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
      for (const lane of this.lanes) this.pump(lane);
    });
  }

  /**
   * Resolves once nothing is being sent or queued to start: tests await it after an event or a
   * clock advance instead of sleeping. (A send held by its provider holds this too.)
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.immediate) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      const sending = this.lanes.flatMap((lane) => [...lane.inFlight.values()]);
      if (sending.length === 0) return;
      // Each of these ends by starting the lane's next due message, if any: look again.
      await Promise.all(sending);
    }
  }

  /**
   * Stops claiming and waits for the sends in flight, for at most STOP_GRACE_MS of the clock: then
   * they are aborted, recorded as failed attempts, and sent again after a restart. Nothing writes
   * after this resolves, so the database may close.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    for (const lane of this.lanes) {
      lane.timer?.cancel();
      lane.timer = null;
      lane.armedAt = null;
    }
    const sending = this.lanes.flatMap((lane) => [...lane.inFlight.values()]);
    if (sending.length === 0) return;
    this.logger.info({ sending: sending.length, graceMs: STOP_GRACE_MS }, 'notification delivery: waiting for sends in flight');
    const grace = this.clock.setTimer(STOP_GRACE_MS, () => {
      for (const a of this.aborts) a.abort(new Error('aborted: the server is shutting down'));
    });
    await Promise.all(sending);
    grace.cancel();
  }

  /** Starts as many due messages as the lane has room for; arms the lane's timer for the next one. */
  private pump(lane: Lane): void {
    if (this.stopped) return;
    try {
      const free = lane.channel.maxInFlight - lane.inFlight.size;
      // Full: each send in flight pumps again when it ends.
      if (free <= 0) return;
      const now = this.clock.now();
      const claimed = this.store.claimDue(lane.kind, new Date(now), free, lane.inFlight.keys(), new Date(now + CLAIM_LEASE_MS));
      for (const row of claimed) this.send(lane, row);
      // Every message due now is in flight or waits for a slot (a send's end pumps again): the timer
      // is for the first one due later, a retry or the lease of a claim made by a process that died.
      if (claimed.length < free) this.arm(lane, now);
    } catch (err) {
      this.logger.error({ err, channel: lane.kind }, 'notification delivery: claiming failed');
    }
  }

  private arm(lane: Lane, now: number): void {
    const at = this.store.nextDueAfter(lane.kind, new Date(now));
    if (at === lane.armedAt) return;
    lane.timer?.cancel();
    lane.timer = null;
    lane.armedAt = at;
    if (at === null) return;
    lane.timer = this.clock.setTimer(at - now, () => {
      lane.timer = null;
      lane.armedAt = null;
      this.pump(lane);
    });
  }

  /** One attempt of a claimed message, in the background: sent, or failed (retry or give up). */
  private send(lane: Lane, row: NotificationRow): void {
    const attempt = row.attempts;
    const about = { notificationId: row.id, leadId: row.leadId, channel: row.channel, attempt, via: lane.channel.name };
    const abort = new AbortController();
    this.aborts.add(abort);
    const timeout = this.clock.setTimer(SEND_TIMEOUT_MS, () => abort.abort(new Error(`${row.channel}: no answer within ${SEND_TIMEOUT_MS / 1000} s`)));
    // The abort settles the attempt even if a channel keeps waiting on its provider regardless.
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    const sending = Promise.race([
      (async () => lane.channel.send({ to: row.to, subject: row.subject, body: row.body }, abort.signal))(),
      aborted,
    ]);
    const done = sending.then(
      () => {
        this.store.markSent(row.id, new Date(this.clock.now()));
        this.logger.debug(about, 'notification sent');
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        const giveUp = attempt >= MAX_ATTEMPTS;
        const retryAt = giveUp ? null : new Date(this.clock.now() + retryDelayMs(attempt));
        this.store.markAttemptFailed(row.id, attempt, message.slice(0, 500), retryAt);
        if (giveUp) this.logger.error({ ...about, error: message }, 'notification failed for good');
        else this.logger.warn({ ...about, error: message, retryInMs: retryDelayMs(attempt) }, 'notification attempt failed; will retry');
      },
    ).catch((err: unknown) => {
      // Recording the outcome failed (the database is gone?): the lease makes the message due again.
      this.logger.error({ ...about, err }, 'notification delivery: recording the outcome failed');
    }).finally(() => {
      timeout.cancel();
      this.aborts.delete(abort);
      lane.inFlight.delete(row.id);
      this.pump(lane);
    });
    lane.inFlight.set(row.id, done);
  }
}
