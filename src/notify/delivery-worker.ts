// Sends what the outbox holds. Routing only writes rows; this worker sends them afterwards, so a slow
// or failing provider never delays or breaks an offer. Each channel is a lane of its own with its own
// bound on messages in flight (Channel.maxInFlight): a slow SMS provider fills the SMS lane and no
// other, and within a lane no message waits for another. Each message is claimed, sent and recorded
// on its own; when one finishes, the next due one starts at once. The database writes of everything
// that ended or starts in one pass of the event loop share one commit (a "turn"); turns run one at a
// time (a turn that waits for the database lets the next one gather everything that ends meanwhile).
// Two shortcuts save most of the outbox's statements per message: a message written by this process
// with a free slot reserved for it is written already claimed and handed over at its commit (reserve,
// adopt: no claim), and the outcomes of sends that end close together wait a little to be written in
// one statement (OUTCOME_BATCH_MS).
//
// A send that outlasts SEND_TIMEOUT_MS is aborted and counts as a failed attempt. A failed attempt is
// retried with exponential backoff (1 s, 4 s, 16 s, 64 s) until MAX_ATTEMPTS; the retry time is a row,
// armed as one clock timer per lane, so pending deliveries also resume after a restart.
import type { Logger } from 'pino';
import type { Store, StoreTx } from '../store/port.js';
import type { NotificationRow } from '../store/rows.js';
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

/**
 * How long slots reserved for messages written already claimed (reserve) stay reserved if the rows
 * never come (their transaction failed): far longer than a routing transaction takes.
 */
export const RESERVATION_LAPSE_MS = 10_000;

/**
 * How long the outcome of a send may wait to be written with others (real time, not the clock: it only
 * groups writes) while its lane has free slots: one statement for a burst's outcomes instead of one each.
 * A lane without a free slot writes at once (the slot frees only then); idle() and stop() write at once.
 * A crash in between means those messages are sent again when their lease runs out (at least once).
 */
export const OUTCOME_BATCH_MS = 50;

/** After a turn failed (the database did not answer), the next one is tried this much later. */
const TURN_RETRY_MS = 1000;

/** How long stop() lets sends in flight finish before it aborts them (they are retried after restart). */
export const STOP_GRACE_MS = 5_000;

/** How one attempt ended: the provider took it, it failed and will be retried, or failed for good. */
export type AttemptOutcome = 'sent' | 'retry' | 'failed';

/** Told of every attempt's outcome as it is recorded (the metrics); `now` is the clock's time then. */
export type AttemptObserver = (row: NotificationRow, outcome: AttemptOutcome, now: number) => void;

interface Lane {
  kind: ChannelKind;
  channel: Channel;
  /** The messages being sent, by id: the claimed row, and a promise resolved once its outcome is written. */
  inFlight: Map<number, { row: NotificationRow; done: Promise<void> }>;
  /**
   * Whether the lane may have due messages it has not claimed: set by new rows, its timer, and a
   * slot freed while the last claim filled every slot; cleared by a claim that found fewer than it
   * had room for, unless new rows came meanwhile (kicks). A turn claims only for such a lane, so an
   * ended send costs no empty claim.
   */
  mayHaveDue: boolean;
  /**
   * Counts the lane's kicks: a kick that comes while a claim is out (a commit's new rows, after the
   * claim's snapshot) keeps mayHaveDue set, instead of being undone when the claim answers short.
   */
  kicks: number;
  /** The timer for the lane's next due message, and the time it is armed for. */
  timer: TimerHandle | null;
  armedAt: number | null;
  /** Slots held for messages written already claimed, not yet handed over (reserve, adopt). */
  reservations: Set<Reservation>;
}

/** Slots of a lane held for `n` messages that a transaction writes already claimed by this process. */
export interface Reservation {
  readonly kind: ChannelKind;
  readonly n: number;
  /** Clock time of the reservation: it lapses RESERVATION_LAPSE_MS later. */
  readonly at: number;
}

/** How an attempt ended, waiting to be written with the others of this event-loop turn. */
interface Outcome {
  lane: Lane;
  row: NotificationRow;
  /** null: sent. */
  error: string | null;
  written: () => void;
}

export class DeliveryWorker {
  private readonly lanes: Lane[];
  private immediate: NodeJS.Immediate | null = null;
  /** A turn due soon to write outcomes that may wait (OUTCOME_BATCH_MS). */
  private batchTimer: NodeJS.Timeout | null = null;
  /** The turn in progress, if any; `again`: another was asked for meanwhile. */
  private turning: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** The abort of every send in flight, for stop(). */
  private readonly aborts = new Set<AbortController>();
  /** Attempts that ended since the last turn. */
  private outcomes: Outcome[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly store: Store,
    channels: Channels,
    private readonly logger: Logger,
    private readonly onAttempt: AttemptObserver = () => {},
    /**
     * Several instances on one database: look for due messages at least this often (ms), since
     * another instance may write rows (or die holding their lease) without this one hearing of it.
     */
    private readonly pollMs: number | null = null,
    /** The text a message is sent with: its body with its offer's link filled in (action-links.ts). */
    private readonly bodyOf: (row: NotificationRow) => string = (row) => row.body,
  ) {
    this.lanes = (Object.keys(channels) as ChannelKind[]).map((kind) => ({
      kind, channel: channels[kind], inFlight: new Map(), mayHaveDue: true, kicks: 0, timer: null, armedAt: null, reservations: new Set(),
    }));
  }

  /** Starts delivering, beginning with whatever a previous run left PENDING. */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /**
   * New rows are in the outbox (in these channels' lanes; all lanes when not told): send them soon,
   * outside the caller's call stack.
   */
  kick(channels?: ReadonlySet<ChannelKind>): void {
    if (this.stopped) return;
    for (const lane of this.lanes) {
      if (channels && !channels.has(lane.kind)) continue;
      lane.mayHaveDue = true;
      lane.kicks++;
    }
    this.schedule();
  }

  /**
   * Holds up to `n` free slots of the lane for messages a transaction is about to write already claimed
   * by this process (attempt 1, leased until now + CLAIM_LEASE_MS): the worker then sends them when they
   * have committed (adopt) without claiming them. How many it holds (maybe none: the lane is full, or
   * the worker stopped) is the reservation's `n`; the rest are written due, for a claim. A reservation
   * whose rows never come (the transaction failed) lapses after RESERVATION_LAPSE_MS.
   */
  reserve(kind: ChannelKind, n: number): Reservation | null {
    const lane = this.lanes.find((l) => l.kind === kind);
    if (!lane || this.stopped || n <= 0) return null;
    const now = this.clock.now();
    const free = lane.channel.maxInFlight - lane.inFlight.size - this.held(lane, now);
    if (free <= 0) return null;
    const reservation: Reservation = { kind, n: Math.min(n, free), at: now };
    lane.reservations.add(reservation);
    return reservation;
  }

  /**
   * The messages written already claimed under `reservation` have committed: they are sent now, in
   * the slots it held. After stop nothing is sent (their lease runs out and they are due again).
   */
  adopt(reservation: Reservation, rows: readonly NotificationRow[]): void {
    const lane = this.lanes.find((l) => l.kind === reservation.kind);
    if (!lane) return;
    lane.reservations.delete(reservation);
    if (this.stopped) return;
    for (const row of rows) if (!lane.inFlight.has(row.id)) this.send(lane, row);
  }

  /** The rows `reservation` held slots for will not come (their round was not written): its slots are free at once. */
  release(reservation: Reservation): void {
    this.lanes.find((l) => l.kind === reservation.kind)?.reservations.delete(reservation);
  }

  /** Slots the lane holds for reservations that have not lapsed (lapsed ones are dropped). */
  private held(lane: Lane, now: number): number {
    let n = 0;
    for (const r of lane.reservations) {
      if (now - r.at >= RESERVATION_LAPSE_MS) lane.reservations.delete(r);
      else n += r.n;
    }
    return n;
  }

  /**
   * Resolves once nothing is being sent or queued to start: tests await it after an event or a
   * clock advance instead of sleeping. (A send held by its provider holds this too.)
   */
  async idle(): Promise<void> {
    for (;;) {
      // Outcomes waiting to be written with others: write them now.
      if (this.batchTimer) this.schedule();
      if (this.immediate) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      if (this.turning) {
        await this.turning;
        continue;
      }
      const sending = this.sending();
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
    if (this.batchTimer) this.schedule();
    for (const lane of this.lanes) {
      lane.timer?.cancel();
      lane.timer = null;
      lane.armedAt = null;
    }
    const sending = this.sending();
    if (sending.length === 0) {
      await this.turning;
      return;
    }
    this.logger.info({ sending: sending.length, graceMs: STOP_GRACE_MS }, 'notification delivery: waiting for sends in flight');
    const grace = this.clock.setTimer(STOP_GRACE_MS, () => {
      for (const a of this.aborts) a.abort(new Error('aborted: the server is shutting down'));
    });
    // Each resolves once its outcome is written (a turn still runs after stop, claiming nothing).
    await Promise.all(sending);
    grace.cancel();
    await this.turning;
  }

  private sending(): Promise<void>[] {
    return this.lanes.flatMap((lane) => [...lane.inFlight.values()].map((f) => f.done));
  }

  /**
   * A turn soon, and a promise of the turns it sets off having ended (not the sends they start, which
   * a provider may hold): what a timer hands a test clock to wait on (clock.ts TimerFn).
   */
  private async kickAndSettle(): Promise<void> {
    this.schedule();
    while (this.immediate || this.turning) {
      if (this.turning) await this.turning;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** One turn soon (setImmediate: this defers the work, it does not wait for time to pass). */
  private schedule(): void {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = null;
    }
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      if (this.turning) {
        this.again = true;
        return;
      }
      this.turning = this.turn().finally(() => {
        this.turning = null;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    });
  }

  /**
   * Writes the outcomes of the attempts that ended since the last turn and claims as many due
   * messages as each lane has room for, in one commit; then starts those sends and arms each lane's
   * timer for its next due message. No message waits here for another's provider: a turn follows
   * within the event loop's next pass of whatever ended.
   */
  private async turn(): Promise<void> {
    const outcomes = this.outcomes;
    this.outcomes = [];
    // Nothing ended and no lane may have anything due: no commit at all.
    if (outcomes.length === 0 && (this.stopped || !this.lanes.some((lane) => lane.mayHaveDue))) return;
    const now = this.clock.now();
    const claims: { lane: Lane; rows: NotificationRow[]; free: number; nextDueAfter: number | null }[] = [];
    const rearm = new Set<Lane>();
    try {
      // Bookkeeping a retry redoes: committed without waiting for the disk (TransactionOptions).
      await this.store.transaction(async (tx) => {
        await this.write(tx, outcomes, now);
        if (this.stopped) return;
        for (const lane of this.lanes) {
          const held = this.held(lane, now);
          const wasFull = lane.inFlight.size + held >= lane.channel.maxInFlight;
          // Ended attempts leave the lane only now, once their outcome is in this commit. A failed
          // one has a retry time: the claim below finds it not due and arms the lane's timer for it.
          // One whose lease the lane's timer was armed for leaves that timer stale: arm it again.
          for (const o of outcomes) {
            if (o.lane !== lane) continue;
            lane.inFlight.delete(o.row.id);
            if (o.error !== null) lane.mayHaveDue = true;
            if (lane.armedAt !== null && o.row.nextAttemptAt?.getTime() === lane.armedAt) rearm.add(lane);
          }
          if (wasFull && lane.inFlight.size + held < lane.channel.maxInFlight) lane.mayHaveDue = true;
          const free = lane.channel.maxInFlight - lane.inFlight.size - held;
          // Full: each send in flight brings a turn when it ends.
          if (!lane.mayHaveDue || free <= 0) continue;
          // A send still in flight past its lease looks due to the claim: leave it out (never two
          // sends of one message in one process). Every one is looked at (at most maxInFlight):
          // messages written already claimed join the map when they commit, not in lease order.
          const overdue: number[] = [];
          for (const [id, f] of lane.inFlight) {
            if ((f.row.nextAttemptAt?.getTime() ?? 0) <= now) overdue.push(id);
          }
          // With the time the lane's timer is for when this claim leaves nothing due (no read after it).
          const kicks = lane.kicks;
          const { rows, nextDueAfter } = await tx.notifications.claimDueAndNext(lane.kind, new Date(now), free, overdue, new Date(now + CLAIM_LEASE_MS));
          lane.mayHaveDue = rows.length === free || lane.kicks !== kicks;
          claims.push({ lane, free, rows, nextDueAfter });
        }
        // Each claim and outcome is guarded and safe on its own (notification-store.ts): they need not
        // commit together, and on PostgreSQL a turn then costs no BEGIN and COMMIT round trips.
      }, { durability: 'relaxed', lane: 'scheduled', atomic: false });
    } catch (err) {
      // Failed part way: what this turn claimed is not sent now (its lease runs out, and it is due
      // again), and the messages whose outcome was not written keep their lease, so they are due again
      // later; nothing is lost. (On SQLite the turn is one transaction and was rolled back whole.)
      claims.length = 0;
      rearm.clear();
      for (const lane of this.lanes) lane.mayHaveDue = true;
      this.logger.error({ err }, 'notification delivery: a turn failed; trying again in 1 s');
      // The database may be back by then; without this the lanes would wait for the next new row.
      if (!this.stopped) this.clock.setTimer(TURN_RETRY_MS, () => this.kickAndSettle());
    } finally {
      for (const o of outcomes) {
        o.lane.inFlight.delete(o.row.id);
        o.written();
      }
    }
    for (const { lane, rows, free, nextDueAfter } of claims) {
      for (const row of rows) this.send(lane, row);
      // Every message due now is in flight or waits for a slot (a send's end brings a turn): the
      // timer is for the first one due later, a retry or the lease of a claim made by a process
      // that died.
      if (rows.length < free) {
        await this.arm(lane, now, nextDueAfter);
        rearm.delete(lane);
      }
    }
    for (const lane of rearm) await this.arm(lane, now);
  }

  /** Records how the attempts ended (inside the turn's commit: the sent ones in one statement) and logs them. */
  private async write(tx: StoreTx, outcomes: readonly Outcome[], now: number): Promise<void> {
    const sent = outcomes.filter((o) => o.error === null);
    if (sent.length > 0) {
      await tx.notifications.markAllSent(sent.map((o) => o.row.id), new Date(now));
      for (const { lane, row } of sent) {
        // Info, one line per attempt: part of the lead's story (`grep leadId`). No address or text in it.
        this.logger.info({ ...this.about(lane, row), ms: now - row.createdAt.getTime() }, 'notification sent');
        this.onAttempt(row, 'sent', now);
      }
    }
    for (const o of outcomes) if (o.error !== null) await this.writeFailure(tx, o, o.error, now);
  }

  private about(lane: Lane, row: NotificationRow) {
    return { notificationId: row.id, leadId: row.leadId, offerId: row.offerId, userId: row.userId, channel: row.channel, attempt: row.attempts, via: lane.channel.name };
  }

  /** Records a failed attempt: retried after its backoff, or FAILED for good after MAX_ATTEMPTS. */
  private async writeFailure(tx: StoreTx, { lane, row }: Outcome, error: string, now: number): Promise<void> {
    const attempt = row.attempts;
    const about = this.about(lane, row);
    const giveUp = attempt >= MAX_ATTEMPTS;
    this.onAttempt(row, giveUp ? 'failed' : 'retry', now);
    await tx.notifications.markAttemptFailed(row.id, attempt, error.slice(0, 500), giveUp ? null : new Date(now + retryDelayMs(attempt)));
    if (giveUp) this.logger.error({ ...about, error }, 'notification failed for good');
    else this.logger.warn({ ...about, error, retryInMs: retryDelayMs(attempt) }, 'notification attempt failed; will retry');
  }

  /** A turn within OUTCOME_BATCH_MS, unless one is already coming. */
  private scheduleSoon(): void {
    if (this.immediate || this.batchTimer || this.stopped) {
      if (this.stopped) this.schedule();
      return;
    }
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      this.schedule();
    }, OUTCOME_BATCH_MS);
  }

  /** Arms the lane's timer for its next due message: `known` (the claim's), or as read now. */
  private async arm(lane: Lane, now: number, known?: number | null): Promise<void> {
    let at: number | null;
    try {
      at = known !== undefined ? known : await this.store.notifications.nextDueAfter(lane.kind, new Date(now));
    } catch (err) {
      this.logger.error({ err, channel: lane.kind }, 'notification delivery: reading the next due time failed');
      return;
    }
    if (this.pollMs !== null) at = Math.min(at ?? Infinity, now + this.pollMs);
    if (at === lane.armedAt) return;
    lane.timer?.cancel();
    lane.timer = null;
    lane.armedAt = at;
    if (at === null) return;
    lane.timer = this.clock.setTimer(at - now, () => {
      lane.timer = null;
      lane.armedAt = null;
      lane.mayHaveDue = true;
      return this.kickAndSettle();
    });
  }

  /** One attempt of a claimed message, in the background; its outcome is written by the next turn. */
  private send(lane: Lane, row: NotificationRow): void {
    const abort = new AbortController();
    this.aborts.add(abort);
    const timeout = this.clock.setTimer(SEND_TIMEOUT_MS, () => abort.abort(new Error(`${row.channel}: no answer within ${SEND_TIMEOUT_MS / 1000} s`)));
    // The abort settles the attempt even if a channel keeps waiting on its provider regardless.
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    const sending = Promise.race([
      (async () => lane.channel.send({ to: row.to, subject: row.subject, body: this.bodyOf(row) }, abort.signal))(),
      aborted,
    ]);
    const done = new Promise<void>((written) => {
      const ended = (error: string | null) => {
        timeout.cancel();
        this.aborts.delete(abort);
        this.outcomes.push({ lane, row, error, written });
        // A sent message whose lane has room may wait a little to be written with others.
        if (error === null && lane.inFlight.size < lane.channel.maxInFlight) this.scheduleSoon();
        else this.schedule();
      };
      sending.then(() => ended(null), (err: unknown) => ended(err instanceof Error ? err.message : String(err)));
    });
    lane.inFlight.set(row.id, { row, done });
  }
}
