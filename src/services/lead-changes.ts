// The unit of work for every change to leads: run one synchronous transaction that records what it
// changed (offer changes, lead events, new deadlines), and only after it commits, announce those
// changes to the listeners (subscriptions, notifications) and the deadline scheduler.
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
  let deadlineListener: (at: number) => void = () => {};

  /** Turns the change set into committed changes with the leads' final state, and announces them. */
  function announce(changes: ChangeSet): void {
    for (const at of changes.deadlines) deadlineListener(at);
    const leadIds = new Set<number>([...changes.offerChanges.map((c) => c.offer.leadId), ...changes.events.map((e) => e.leadId)]);
    if (leadIds.size === 0 || listeners.length === 0) return;
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

    /** Told of every new offer deadline, so the scheduler can arm for it. */
    onDeadline(listener: (at: number) => void): void {
      deadlineListener = listener;
    },

    /**
     * Runs `fn` in one transaction (it must be synchronous), then announces what it changed.
     * `now` is read once, so every row the transaction writes carries the same time.
     */
    run<T>(fn: (changes: ChangeSet, now: Date) => T): T {
      const changes = new ChangeSet(store);
      const now = new Date(clock.now());
      const result = store.transaction(() => fn(changes, now));
      announce(changes);
      return result;
    },
  };
}

export type LeadChanges = ReturnType<typeof createLeadChanges>;
