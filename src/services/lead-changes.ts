// The unit of work for every change to leads: run one synchronous transaction that records what it
// changed (offer changes, lead events, new deadlines), and only after it commits, announce those
// changes to the listeners (subscriptions, the notification worker) and the deadline scheduler.
// In-transaction listeners (the notification outbox) see the same changes just before the commit
// and write their rows in it: one commit per change, and no notification lost to a crash between two.
import type { Logger } from 'pino';
import type { ChangeListener, CommittedChanges, OfferEventType } from '../events/routing-events.js';
import type { LeadEventRow, LeadRow, LeadStore, NewLeadEvent, OfferRow } from '../store/lead-store.js';
import type { Clock } from '../time/clock.js';

/** What one transaction changed, collected while it runs. */
export class ChangeSet {
  readonly offerChanges: { type: OfferEventType; offer: OfferRow }[] = [];
  readonly events: LeadEventRow[] = [];
  readonly deadlines: number[] = [];

  constructor(private readonly store: LeadStore) {}

  /** Writes lead events (in the caller's transaction) and remembers them for the announcement. */
  addEvents(rows: NewLeadEvent[]): void {
    this.events.push(...this.store.insertEvents(rows));
  }

  offerChanged(type: OfferEventType, offer: OfferRow): void {
    this.offerChanges.push({ type, offer });
  }

  deadlineAt(at: number): void {
    this.deadlines.push(at);
  }
}

export function createLeadChanges(deps: { leads: LeadStore; clock: Clock; logger: Logger }) {
  const { leads: store, clock, logger } = deps;
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
      if (lead) committed.offers.push({ type: c.type, offer: c.offer, lead });
    }
    for (const event of changes.events) {
      const lead = leadRows.get(event.leadId);
      if (lead) committed.leadEvents.push({ event, lead, audience: audience(lead) });
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

  return {
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
      const changes = new ChangeSet(store);
      const now = new Date(clock.now());
      let described: CommittedChanges | null = null;
      const result = store.transaction(() => {
        const r = fn(changes, now);
        described = beforeCommit(changes);
        return r;
      });
      announce(changes, described);
      return result;
    },
  };
}

export type LeadChanges = ReturnType<typeof createLeadChanges>;
