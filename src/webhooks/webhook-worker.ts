// Sends what the webhook outbox holds, modelled on the notification worker (src/notify/delivery-worker.ts):
// routing only writes rows; this worker claims due deliveries (a lease each, so that across instances
// each is attempted by one at a time), POSTs them, and records each outcome guarded by its attempt.
// The outcomes of everything that ended, and the next claim, share one commit per turn.
//
// A slow or failing receiver holds up nobody else: at most MAX_IN_FLIGHT deliveries are in flight, and
// at most PER_WEBHOOK_IN_FLIGHT of any one webhook, so the others always find free slots; an attempt
// has ATTEMPT_TIMEOUT_MS of the clock, then counts as failed. A failed attempt is retried after
// RETRY_DELAYS_MS (10 s, 1 min, 5 min, 30 min, 2 h: MAX_ATTEMPTS in all), then the delivery is FAILED.
// A lead's deliveries to one webhook go in order: a later one waits while an earlier one is PENDING.
import type { Logger } from 'pino';
import type { Store, StoreTx } from '../store/port.js';
import type { WebhookDeliveryRow, WebhookRow } from '../store/rows.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import { signatureOf } from './signature.js';
import { checkTarget, parseWebhookUrl } from './url-guard.js';
import { postWebhook } from './webhook-post.js';

/** How long after failed attempt number n (1-based) the next one is due. */
export const RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000] as const;

/** How long after failed attempt number `attempt` the next one is due (the last delay for any later one). */
export const retryDelayMs = (attempt: number): number => RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0];

/** Attempts in all: the first and one per retry delay. Then FAILED. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** A receiver that has not answered within this long (of the clock) fails the attempt. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** How long a claim holds a delivery: past ATTEMPT_TIMEOUT_MS, so a live attempt ends before its lease. */
export const CLAIM_LEASE_MS = 15_000;

/** Deliveries in flight at once, in all and per webhook. */
export const MAX_IN_FLIGHT = 32;
export const PER_WEBHOOK_IN_FLIGHT = 4;

/** After a turn failed (the database did not answer), the next one is tried this much later. */
const TURN_RETRY_MS = 1000;

/** How long stop() lets attempts in flight finish before aborting them (they are retried after restart). */
export const STOP_GRACE_MS = 5_000;

interface InFlight {
  row: WebhookDeliveryRow;
  done: Promise<void>;
}

/** How an attempt ended, waiting to be written with the others of this turn. */
interface Outcome {
  row: WebhookDeliveryRow;
  /** The answer's status, or null when none came. */
  status: number | null;
  /** null: delivered (2xx). */
  error: string | null;
  /** Not to be retried: the webhook is gone. */
  final: boolean;
  written: () => void;
}

export interface WebhookWorkerOptions {
  clock: Clock;
  store: Store;
  logger: Logger;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: send to private and loopback addresses too. */
  allowPrivate: boolean;
  /** Several instances on one database: look for due deliveries at least this often (ms). */
  pollMs: number | null;
}

export class WebhookWorker {
  private readonly inFlight = new Map<number, InFlight>();
  /** Whether due deliveries may be unclaimed (new rows, a timer, a freed slot). */
  private mayHaveDue = true;
  /**
   * Counts kicks: a turn whose claim came up short says nothing is due only if no kick came while it
   * ran. A kick between the claim's snapshot and that verdict (a commit's new rows) was otherwise lost:
   * the turn it scheduled found mayHaveDue false and claimed nothing, and the rows waited for the next kick.
   */
  private kicks = 0;
  private timer: TimerHandle | null = null;
  private armedAt: number | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private turning: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly aborts = new Set<AbortController>();
  private outcomes: Outcome[] = [];
  private readonly clock: Clock;
  private readonly store: Store;
  private readonly logger: Logger;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.clock = options.clock;
    this.store = options.store;
    this.logger = options.logger;
  }

  /** Starts delivering, beginning with whatever a previous run left PENDING. */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** New deliveries are in the outbox: send them soon, outside the caller's call stack. */
  kick(): void {
    if (this.stopped) return;
    this.kicks++;
    this.mayHaveDue = true;
    this.schedule();
  }

  /** Resolves once nothing is being sent or about to be (tests await it instead of sleeping). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.immediate) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      if (this.turning) {
        await this.turning;
        continue;
      }
      const sending = [...this.inFlight.values()].map((f) => f.done);
      if (sending.length === 0) return;
      await Promise.all(sending);
    }
  }

  /** Stops claiming; waits STOP_GRACE_MS of the clock for attempts in flight, then aborts them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.armedAt = null;
    const sending = [...this.inFlight.values()].map((f) => f.done);
    if (sending.length > 0) {
      const grace = this.clock.setTimer(STOP_GRACE_MS, () => {
        for (const a of this.aborts) a.abort(new Error('aborted: the server is shutting down'));
      });
      await Promise.all(sending);
      grace.cancel();
    }
    await this.turning;
  }

  /** A turn soon, and a promise of it having ended (what a clock timer hands a test clock to wait on). */
  private async kickAndSettle(): Promise<void> {
    this.schedule();
    while (this.immediate || this.turning) {
      if (this.turning) await this.turning;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
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

  /** Deliveries in flight per webhook: a claim takes no more of one than PER_WEBHOOK_IN_FLIGHT allows. */
  private inFlightPerWebhook(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const { row } of this.inFlight.values()) counts.set(row.webhookId, (counts.get(row.webhookId) ?? 0) + 1);
    return counts;
  }

  /** Writes the outcomes that ended since the last turn and claims what there is room for, in one commit. */
  private async turn(): Promise<void> {
    const outcomes = this.outcomes;
    this.outcomes = [];
    if (outcomes.length === 0 && (this.stopped || !this.mayHaveDue)) return;
    const now = this.clock.now();
    const kicks = this.kicks;
    let claimed: WebhookDeliveryRow[] = [];
    let free = 0;
    try {
      await this.store.transaction(async (tx) => {
        for (const o of outcomes) await this.write(tx, o, now);
        if (this.stopped) return;
        // Ended attempts leave only now, with their outcome in this commit; a freed slot may have work.
        for (const o of outcomes) this.inFlight.delete(o.row.id);
        if (outcomes.length > 0) this.mayHaveDue = true;
        free = MAX_IN_FLIGHT - this.inFlight.size;
        if (!this.mayHaveDue || free <= 0) return;
        // An attempt of this process still running past its lease looks due: never two at once here.
        const overdue = [...this.inFlight.values()].filter((f) => (f.row.nextAttemptAt?.getTime() ?? 0) <= now).map((f) => f.row.id);
        claimed = await tx.webhooks.claimDueDeliveries(new Date(now), free, PER_WEBHOOK_IN_FLIGHT, overdue, this.inFlightPerWebhook(),
          new Date(now + CLAIM_LEASE_MS));
        // Fewer than asked for: nothing else is claimable now (a webhook at its bound brings a turn when a
        // slot frees), unless rows came in while this turn ran (a kick since it began).
        this.mayHaveDue = claimed.length === free || this.kicks !== kicks;
      }, { durability: 'relaxed', lane: 'scheduled' });
    } catch (err) {
      // Rolled back: nothing was claimed, and the outcomes' deliveries keep their lease: due again later.
      claimed = [];
      this.mayHaveDue = true;
      this.logger.error({ err }, 'webhook delivery: a turn failed; trying again in 1 s');
      if (!this.stopped) this.clock.setTimer(TURN_RETRY_MS, () => this.kickAndSettle());
    } finally {
      for (const o of outcomes) {
        this.inFlight.delete(o.row.id);
        o.written();
      }
    }
    if (claimed.length > 0) {
      const hooks = await this.webhooksOf(claimed);
      // Unreadable: the claimed deliveries are attempted again once their lease runs out (the timer below).
      if (hooks) for (const row of claimed) this.send(row, hooks.get(row.webhookId) ?? null);
    }
    if (!this.stopped) await this.arm(now);
  }

  /**
   * The webhooks of the claimed deliveries: from the cached list, and one read each for any not in it
   * (made on another instance a moment ago, before this one heard of it). Missing: deleted.
   */
  private async webhooksOf(rows: readonly WebhookDeliveryRow[]): Promise<Map<number, WebhookRow> | null> {
    const hooks = new Map<number, WebhookRow>();
    try {
      for (const w of await this.store.webhooks.listWebhooks()) hooks.set(w.id, w);
      for (const id of new Set(rows.map((r) => r.webhookId))) {
        if (hooks.has(id)) continue;
        const found = await this.store.webhooks.findWebhook(id);
        if (found) hooks.set(id, found);
      }
    } catch (err) {
      this.logger.error({ err }, 'webhook delivery: reading the webhooks failed; the claimed deliveries wait for their lease');
      return null;
    }
    return hooks;
  }

  /** Records how an attempt ended (inside the turn's commit) and logs it. */
  private async write(tx: StoreTx, { row, status, error, final }: Outcome, now: number): Promise<void> {
    const attempt = row.attempts;
    const about = { deliveryId: row.id, webhookId: row.webhookId, leadId: row.leadId, eventType: row.eventType, attempt, responseStatus: status };
    if (error === null && status !== null) {
      await tx.webhooks.markDelivered(row.id, attempt, status, new Date(now));
      this.logger.info(about, 'webhook delivered');
      return;
    }
    const reason = error ?? 'no answer';
    const giveUp = final || attempt >= MAX_ATTEMPTS;
    const delay = retryDelayMs(attempt);
    await tx.webhooks.markDeliveryFailed(row.id, attempt, status, reason.slice(0, 500), giveUp ? null : new Date(now + delay));
    if (giveUp) this.logger.error({ ...about, error: reason }, 'webhook delivery failed for good');
    else this.logger.warn({ ...about, error: reason, retryInMs: delay }, 'webhook attempt failed; will retry');
  }

  /** Arms the one timer for the next due delivery (a retry, or a lease of a process that died). */
  private async arm(now: number): Promise<void> {
    let at: number | null;
    try {
      at = await this.store.webhooks.nextDeliveryDueAfter(new Date(now));
    } catch (err) {
      this.logger.error({ err }, 'webhook delivery: reading the next due time failed');
      return;
    }
    if (this.options.pollMs !== null) at = Math.min(at ?? Infinity, now + this.options.pollMs);
    if (at === this.armedAt || this.stopped) return;
    this.timer?.cancel();
    this.timer = null;
    this.armedAt = at;
    if (at === null) return;
    this.timer = this.clock.setTimer(Math.max(0, at - now), () => {
      this.timer = null;
      this.armedAt = null;
      this.mayHaveDue = true;
      return this.kickAndSettle();
    });
  }

  /** One attempt, in the background; its outcome is written by the next turn. */
  private send(row: WebhookDeliveryRow, webhook: WebhookRow | null): void {
    if (!webhook) {
      // Written by a change that read the webhook list just as the webhook was deleted elsewhere:
      // there is nobody to send it to.
      const done = new Promise<void>((written) => {
        this.outcomes.push({ row, status: null, error: 'the webhook was deleted', final: true, written });
        this.schedule();
      });
      this.inFlight.set(row.id, { row, done });
      return;
    }
    const abort = new AbortController();
    this.aborts.add(abort);
    const timeout = this.clock.setTimer(ATTEMPT_TIMEOUT_MS, () => abort.abort(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`)));
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    // The abort settles the attempt whatever the resolver or the socket still do.
    const attempt = Promise.race([this.attempt(row, webhook, abort.signal), aborted]);
    const done = new Promise<void>((written) => {
      const ended = (status: number | null, error: string | null) => {
        timeout.cancel();
        this.aborts.delete(abort);
        this.outcomes.push({ row, status, error, final: false, written });
        this.schedule();
      };
      attempt.then(
        (status) => ended(status, status >= 200 && status < 300 ? null : `the receiver answered ${status}`),
        (err: unknown) => ended(null, err instanceof Error ? err.message : String(err)),
      );
    });
    this.inFlight.set(row.id, { row, done });
  }

  /** Checks the URL's addresses again (DNS may have changed), then POSTs the signed body: the answer's status. */
  private async attempt(row: WebhookDeliveryRow, webhook: WebhookRow, signal: AbortSignal): Promise<number> {
    const target = await checkTarget(parseWebhookUrl(webhook.url), this.options.allowPrivate);
    const body = deliveryBody(row);
    const timestamp = Math.floor(this.clock.now() / 1000);
    return postWebhook(target, {
      'content-type': 'application/json',
      'user-agent': 'leadrace-webhooks',
      'x-leadrace-event': row.eventType,
      'x-leadrace-delivery': String(row.id),
      'x-leadrace-timestamp': String(timestamp),
      'x-leadrace-signature': signatureOf(webhook.secret, timestamp, body),
    }, body, signal);
  }
}

/** The JSON body: the delivery's id first, then the payload fixed at the event's commit (the same bytes on every retry). */
export function deliveryBody(row: Pick<WebhookDeliveryRow, 'id' | 'payload'>): string {
  return JSON.stringify({ id: String(row.id), ...JSON.parse(row.payload) as Record<string, unknown> });
}
