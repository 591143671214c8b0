// The unit of work for every change to leads: run one synchronous transaction that records what it
// changed (offer changes, lead events, new deadlines), and only after it commits, announce those
// changes to the listeners (subscriptions, the notification worker) and the deadline scheduler.
// In-transaction listeners (the notification outbox) see the same changes just before the commit
// and write their rows in it: one commit per change, and no notification lost to a crash between two.
//
// Group commit (runGrouped): with synchronous=FULL every commit waits for the disk (about 2.6 ms on
// the benchmark machine, on the event loop). Changes queued in the same turn of the event loop share
// one transaction and so one fsync; each runs in its own savepoint, so one that throws rolls back
// alone. Nobody is told of a change (the caller's promise, the listeners) before its commit.
import type { Logger } from 'pino';
import type { ChangeListener, CommittedChanges, OfferChangeCause, OfferEventType } from '../events/routing-events.js';
import type { LeadEventRow, LeadRow, LeadStore, NewLeadEvent, OfferRow } from '../store/sqlite/lead-store.js';
import type { Clock } from '../time/clock.js';

/** What one transaction changed, collected while it runs. */
export class ChangeSet {
  readonly offerChanges: { type: OfferEventType; offer: OfferRow; cause?: OfferChangeCause }[] = [];
  readonly events: LeadEventRow[] = [];
  readonly deadlines: number[] = [];
  /** Per lead: who was its owner or a user before this change (see lostBy). */
  readonly before = new Map<number, Set<number>>();

  constructor(private readonly store: LeadStore) {}

  /**
   * These users were the lead's owner or users before the change: whoever of them is neither after
   * it is told of its events once (LeadChange.former). Call before changing owner or users.
   */
  lostBy(leadId: number, userIds: readonly (number | null)[]): void {
    let set = this.before.get(leadId);
    if (!set) this.before.set(leadId, set = new Set());
    for (const id of userIds) if (id !== null) set.add(id);
  }

  /** Writes lead events (in the caller's transaction) and remembers them for the announcement. */
  addEvents(rows: NewLeadEvent[]): void {
    this.events.push(...this.store.insertEvents(rows));
  }

  offerChanged(type: OfferEventType, offer: OfferRow, cause?: OfferChangeCause): void {
    this.offerChanges.push(cause ? { type, offer, cause } : { type, offer });
  }

  deadlineAt(at: number): void {
    this.deadlines.push(at);
  }
}

/** A change waiting for the next group commit. */
interface QueuedChange {
  fn: (changes: ChangeSet, now: Date) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Most changes one group commit takes: bounds how long one commit holds the event loop. */
const MAX_GROUP = 64;

export function createLeadChanges(deps: { leads: LeadStore; clock: Clock; logger: Logger }) {
  const { leads: store, clock, logger } = deps;
  /** Counted for the benchmarks and tests: how many commits, and how many changes they carried. */
  const stats = { commits: 0, changes: 0 };
  let queue: QueuedChange[] = [];
  let flushScheduled = false;
  const listeners: ChangeListener[] = [];
  const inTransactionListeners: ChangeListener[] = [];
  let deadlineListener: (at: number) => void = () => {};

  /** The change set with the leads' final state (read in the transaction or after it), or null if none. */
  function describe(changes: ChangeSet): CommittedChanges | null {
    const leadIds = new Set<number>([...changes.offerChanges.map((c) => c.offer.leadId), ...changes.events.map((e) => e.leadId)]);
    if (leadIds.size === 0) return null;
    const leadRows = new Map(store.findLeads([...leadIds]).map((l) => [l.id, l]));
    const audiences = new Map<number, number[]>();
    const audience = (lead: LeadRow): number[] => {
      let a = audiences.get(lead.id);
      if (!a) {
        a = [...new Set([...(lead.ownerId ? [lead.ownerId] : []), ...store.userIdsOfLead(lead.id)])];
        audiences.set(lead.id, a);
      }
      return a;
    };
    const committed: CommittedChanges = { offers: [], leadEvents: [] };
    for (const c of changes.offerChanges) {
      const lead = leadRows.get(c.offer.leadId);
      if (lead) committed.offers.push(c.cause ? { type: c.type, offer: c.offer, lead, cause: c.cause } : { type: c.type, offer: c.offer, lead });
    }
    for (const event of changes.events) {
      const lead = leadRows.get(event.leadId);
      if (!lead) continue;
      const now = audience(lead);
      const former = [...(changes.before.get(lead.id) ?? [])].filter((id) => !now.includes(id));
      committed.leadEvents.push({ event, lead, audience: now, former });
    }
    return committed;
  }

  /**
   * Inside the transaction, after `fn`: each in-transaction listener writes its rows in a savepoint.
   * One that throws loses only its own rows (logged), never the change itself.
   */
  function beforeCommit(changes: ChangeSet): CommittedChanges | null {
    if (inTransactionListeners.length === 0) return null;
    const described = describe(changes);
    if (!described) return null;
    for (const listener of inTransactionListeners) {
      try {
        store.transaction(() => listener(described));
      } catch (err) {
        logger.error({ err }, 'in-transaction change listener failed');
      }
    }
    return described;
  }

  /** After commit: tells the scheduler of new deadlines and the listeners of the changes. */
  function announce(changes: ChangeSet, described: CommittedChanges | null): void {
    for (const at of changes.deadlines) deadlineListener(at);
    if (listeners.length === 0) return;
    const committed = described ?? describe(changes);
    if (!committed) return;
    for (const listener of listeners) {
      try {
        listener(committed);
      } catch (err) {
        // A failing listener (a notifier, say) must never undo or block routing.
        logger.error({ err }, 'change listener failed');
      }
    }
  }

  /** One change in its own savepoint of the enclosing transaction, with the in-transaction listeners. */
  function apply<T>(fn: (changes: ChangeSet, now: Date) => T): { result: T; changes: ChangeSet; described: CommittedChanges | null } {
    const changes = new ChangeSet(store);
    // `now` is read once per change, so every row it writes carries the same time.
    const now = new Date(clock.now());
    let described: CommittedChanges | null = null;
    const result = store.transaction(() => {
      const r = fn(changes, now);
      described = beforeCommit(changes);
      return r;
    });
    return { result, changes, described };
  }

  /** Commits the queued changes together (up to MAX_GROUP; the rest go in the next turn). */
  function flush(): void {
    flushScheduled = false;
    const batch = queue.slice(0, MAX_GROUP);
    queue = queue.slice(batch.length);
    if (queue.length > 0) schedule();
    const applied: { job: QueuedChange; result: unknown; changes: ChangeSet; described: CommittedChanges | null }[] = [];
    const refused: { job: QueuedChange; err: unknown }[] = [];
    try {
      store.transaction(() => {
        for (const job of batch) {
          try {
            applied.push({ job, ...apply(job.fn) });
          } catch (err) {
            // Its savepoint is rolled back; the others in the group still commit.
            refused.push({ job, err });
          }
        }
      });
    } catch (err) {
      // The commit itself failed (disk full, I/O error): none of the group happened.
      logger.error({ err, changes: batch.length }, 'group commit failed');
      for (const job of batch) job.reject(err);
      return;
    }
    stats.commits++;
    stats.changes += applied.length;
    for (const { job, err } of refused) job.reject(err);
    for (const { job, result, changes, described } of applied) {
      announce(changes, described);
      job.resolve(result);
    }
  }

  function schedule(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    // After this turn's I/O callbacks: every request that arrived with this one has queued by then.
    setImmediate(flush);
  }

  return {
    stats,

    /** Subscribes a listener to every committed change. */
    onCommitted(listener: ChangeListener): void {
      listeners.push(listener);
    },

    /**
     * Subscribes a listener that runs inside the transaction, just before it commits (the leads as
     * they will be committed). It may only write rows, synchronously; they commit with the change.
     * It must not announce anything: announcing is for onCommitted listeners.
     */
    beforeCommit(listener: ChangeListener): void {
      inTransactionListeners.push(listener);
    },

    /** Told of every new offer deadline, so the scheduler can arm for it. */
    onDeadline(listener: (at: number) => void): void {
      deadlineListener = listener;
    },

    /**
     * Runs `fn` in one transaction (it must be synchronous), followed in the same transaction by the
     * in-transaction listeners, then announces what it changed. `now` is read once, so every row the
     * transaction writes carries the same time.
     */
    run<T>(fn: (changes: ChangeSet, now: Date) => T): T {
      // Outside any transaction, apply's transaction is the top-level one: its own commit.
      const { result, changes, described } = apply(fn);
      stats.commits++;
      stats.changes++;
      announce(changes, described);
      return result;
    },

    /**
     * Like run, but the change may share its commit with others queued in the same turn of the
     * event loop (see the top of this file). Resolves with `fn`'s result once it has committed;
     * rejects with what `fn` threw (its savepoint rolled back), or with the commit's error.
     */
    runGrouped<T>(fn: (changes: ChangeSet, now: Date) => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
  };
}

export type LeadChanges = ReturnType<typeof createLeadChanges>;
