// The unit of work for every change to leads: run one transaction that records what it changed
// (offer changes, lead events, new deadlines), and only after it commits, announce those changes to
// the listeners (subscriptions, the notification worker) and the deadline scheduler. In-transaction
// listeners (the notification outbox) see the same changes just before the commit and write their
// rows in it: one commit per change, and no notification lost to a crash between two. A change's
// body gets its ChangeSet, whose `tx` is the transaction's stores: everything it reads or writes
// goes through that, never through the outer store (src/store/port.ts).
//
// Group commit (runGrouped): with synchronous=FULL every SQLite commit waits for the disk (about
// 2.6 ms on the benchmark machine). Changes queued in the same turn of the event loop share one
// transaction and so one fsync; each runs in its own savepoint, so one that throws rolls back
// alone. Nobody is told of a change (the caller's promise, the listeners) before its commit, and
// its caller not before it is on disk either (DEFERRED below: the fsync runs off the event loop).
//
// PostgreSQL: no grouping here, and no savepoint per change. A savepoint there is a subtransaction,
// and subtransactions stall a busy server (the subtrans SLRU once a transaction holds more than 64);
// concurrent changes instead run in concurrent plain transactions on the pool, and PostgreSQL flushes
// the WAL of commits that arrive together once (its own group commit). So runGrouped is run, and an
// in-transaction listener that throws fails its change (PostgreSQL aborts the transaction on any
// error) rather than losing only its own rows: the caller gets the error and nothing was written.
// Measured in scripts/bench (the PostgreSQL intake figures in the README).
import type { Logger } from 'pino';
import { roundKey, type ChangeListener, type CommittedChanges, type OfferChangeCause, type OfferEventType } from '../events/routing-events.js';
import type { LeadStore, Rotation, RoundMessage, Store, StoreTx, TransactionOptions } from '../store/port.js';
import type { Decisions } from '../store/routing-decisions.js';
import type { LeadEventRow, LeadEventType, LeadRow, NewLead, NewLeadEvent, NewOffer, NotificationChannel, NotificationRow, OfferRow } from '../store/rows.js';
import type { Clock } from '../time/clock.js';

/** What one transaction changed, collected while it runs, and the transaction's stores. */
export class ChangeSet {
  readonly offerChanges: { type: OfferEventType; offer: OfferRow; cause?: OfferChangeCause }[] = [];
  readonly events: LeadEventRow[] = [];
  readonly deadlines: number[] = [];
  /** Per lead: who was its owner or a user before this change (see lostBy). */
  readonly before = new Map<number, Set<number>>();

  /** `tx`: the open transaction; every read and write of the change goes through it. */
  constructor(readonly tx: StoreTx) {}

  /**
   * These users were the lead's owner or users before the change: whoever of them is neither after
   * it is told of its events once (LeadChange.former). Call before changing owner or users.
   */
  lostBy(leadId: number, userIds: readonly (number | null)[]): void {
    let set = this.before.get(leadId);
    if (!set) this.before.set(leadId, set = new Set());
    for (const id of userIds) if (id !== null) set.add(id);
  }

  /**
   * The channels of the outbox rows this change wrote. Whatever writes outbox rows in a change says so
   * here (or on the CommittedChanges the notification listener is given): after the commit the delivery
   * worker claims new messages only in these lanes, so a row written without saying so would wait for
   * its lane's next claim.
   */
  readonly messageChannels = new Set<NotificationChannel>();

  messagesQueued(rows: readonly { channel: NotificationChannel }[]): void {
    for (const row of rows) this.messageChannels.add(row.channel);
  }

  /** Leads as this change leaves them, with their users (created, settled): announced without reading them back. */
  readonly knownLeads = new Map<number, { lead: LeadRow; userIds: readonly number[] }>();

  /**
   * This change created the lead, and `lead` is the row as the change leaves it. A new lead has no
   * users yet (lead_users rows come from later changes), so announcing it needs no read: on
   * PostgreSQL that read would be a round trip inside a first round's rotation lock.
   */
  created(lead: LeadRow): void {
    this.knownLeads.set(lead.id, { lead, userIds: [] });
  }

  /**
   * The change is done with these leads, and each row is as it leaves it, with the lead's users: its
   * announcement needs no read of them (on PostgreSQL a round trip, of a deadline pass that had locked
   * and written every lead it touched). Only for the change's last word on a lead: nothing may change it after.
   */
  settled(rows: readonly { lead: LeadRow; userIds: readonly number[] }[]): void {
    for (const row of rows) this.knownLeads.set(row.lead.id, row);
  }

  /** Events added but not written yet: a change's events go to the database in one insert. */
  private pendingEvents: NewLeadEvent[] = [];

  /**
   * Lead events of this change: written in its transaction, all in one multi-row insert when the change
   * is done (flushEvents; on PostgreSQL each statement is a round trip, and a routed lead has two to
   * four events), and remembered for the announcement. Nothing in a change reads its own events back.
   */
  async addEvents(rows: NewLeadEvent[]): Promise<void> {
    this.pendingEvents.push(...rows);
  }

  /** The events added and not written yet, in order: for a store call that writes them with its own (writeRound). */
  unwrittenEvents(): readonly NewLeadEvent[] {
    return this.pendingEvents;
  }

  /**
   * A store call wrote the unwritten events (unwrittenEvents) and then events of its own: `rows` are
   * all of them, as written.
   */
  eventsWritten(rows: readonly LeadEventRow[]): void {
    this.pendingEvents = [];
    this.events.push(...rows);
  }

  /** Writes the events added since the last flush, in the order they were added. */
  async flushEvents(): Promise<void> {
    if (this.pendingEvents.length === 0) return;
    const rows = this.pendingEvents;
    this.pendingEvents = [];
    this.events.push(...await this.tx.leads.insertEvents(rows));
  }

  offerChanged(type: OfferEventType, offer: OfferRow, cause?: OfferChangeCause): void {
    this.offerChanges.push(cause ? { type, offer, cause } : { type, offer });
  }

  deadlineAt(at: number): void {
    this.deadlines.push(at);
  }

  /** The decisions of each routing round this change wrote, by roundKey (CommittedChanges.roundDecisions). */
  readonly roundDecisions = new Map<string, Decisions>();

  /** This change wrote the lead's routing round `round` with these decisions. */
  roundWritten(leadId: number, round: number, decisions: Decisions): void {
    this.roundDecisions.set(roundKey(leadId, round), decisions);
  }

  /** Sources whose round-robin rotation this change moved, and where to (told to onRotation's listeners after the commit). */
  readonly rotations: { sourceId: number; rotation: Rotation }[] = [];

  rotationMoved(sourceId: number, rotation: Rotation): void {
    this.rotations.push({ sourceId, rotation });
  }

  /**
   * The in-transaction listeners' rows of this change were drafted before its last write and written by
   * it (LeadChanges.draftRound): the listeners do not run for it again.
   */
  drafted = false;

  /** Run once the change has committed, before its listeners are told (a drafted round's messages handed to the delivery worker). */
  readonly committedHooks: (() => void)[] = [];

  afterCommit(hook: () => void): void {
    this.committedHooks.push(hook);
  }
}

/**
 * A new lead's first round, about to be written as its change's last write: what the in-transaction
 * listeners would write for it, composed before it is written (RoundDrafter), so that the round's own
 * statement writes it too (RoundWrite.messages) and, on PostgreSQL, the COMMIT can go with that
 * statement: one round trip for the whole change instead of two.
 */
export interface RoundDraft {
  lead: NewLead;
  source: { id: number; name: string };
  /** The round's offers, of its agents, in order. */
  offers: readonly Omit<NewOffer, 'leadId'>[];
  /** The types of the lead events the round writes. */
  eventTypes: readonly LeadEventType[];
  now: Date;
}

/** What one listener writes for a drafted round; `written` is told its messages as the round wrote them. */
export interface DraftedRows {
  messages: RoundMessage[];
  written?: (rows: readonly NotificationRow[], changes: ChangeSet) => void;
  /** The round was not written (its rotation moved, or its statement failed): nothing of the draft will come. */
  dropped?: () => void;
}

/**
 * An in-transaction listener's draft of its rows for a round not written yet (RoundDraft). Null: it
 * cannot say before the round is written (a webhook wants these events, say), and every listener runs
 * after the round as usual.
 */
export type RoundDrafter = (draft: RoundDraft, tx: StoreTx) => Promise<DraftedRows | null>;

/** Every in-transaction listener's draft of a round, together (LeadChanges.draftRound). */
export interface RoundDrafts {
  messages: RoundMessage[];
  /** Hands each listener its messages as written; marks the change drafted (ChangeSet.drafted). */
  written(rows: readonly NotificationRow[], changes: ChangeSet): void;
  /** Tells each listener the round was not written (DraftedRows.dropped). */
  dropped(): void;
}

/** A change's body: reads and writes through `changes.tx`; `now` is the change's one time. */
export type ChangeFn<T> = (changes: ChangeSet, now: Date) => Promise<T>;

/**
 * A listener that runs inside the transaction, just before it commits, and writes its rows through
 * `tx` (a savepoint of its own). It must not announce anything: that is for onCommitted listeners.
 */
export type InTransactionListener = (changes: CommittedChanges, tx: StoreTx) => Promise<void>;

/** A change waiting for the next group commit. */
interface QueuedChange {
  fn: ChangeFn<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** A change applied in its transaction (or savepoint), not yet announced. */
interface Applied<T> {
  result: T;
  changes: ChangeSet;
  described: CommittedChanges | null;
}

/**
 * A change's commit does not wait for the disk (TransactionOptions.durability): it is announced (the
 * offer pushed to the agent) as soon as it is committed, and acknowledged to its caller once
 * Store.durable() says it is on disk. On SQLite the fsync thus runs off the event loop, shared by the
 * commits made meanwhile; a slow one (100-400 ms on a busy virtual disk) delays answers, not offers.
 * On PostgreSQL the COMMIT does not wait for the WAL flush, and one flush barrier covers the commits
 * made meanwhile (postgres/flush-barrier.ts).
 */
const DEFERRED: TransactionOptions = { durability: 'deferred' };

/** How a change of its own runs (LeadChanges.run). */
export interface ChangeOptions extends TransactionOptions {
  /**
   * Nobody is answered for this change (a deadline pass of the scheduler): it resolves at the commit,
   * without waiting for the disk. A later acknowledged change's sync covers it as well.
   */
  background?: boolean;
}

/** Most changes one group commit takes: bounds how long one commit holds the connection. */
const MAX_GROUP = 64;

export function createLeadChanges(deps: { store: Store; clock: Clock; logger: Logger }) {
  const { store, clock, logger } = deps;
  /** SQLite: changes of one turn share a commit, each in a savepoint. PostgreSQL: each its own transaction. */
  const grouped = store.dialect === 'sqlite';
  /** Counted for the benchmarks and tests: how many commits, and how many changes they carried. */
  const stats = { commits: 0, changes: 0 };
  let queue: QueuedChange[] = [];
  let flushScheduled = false;
  const listeners: ChangeListener[] = [];
  const inTransactionListeners: InTransactionListener[] = [];
  /** Each in-transaction listener's drafter, or null for one that has none (draftRound then drafts nothing). */
  const drafters: (RoundDrafter | null)[] = [];
  const deadlineListeners: ((at: number) => void)[] = [];
  const rotationListeners: ((sourceId: number, rotation: Rotation) => void)[] = [];

  /**
   * The change set with the leads' final state, or null if it changed none. `leads` is the
   * transaction's store (inside it) or the outer one (after the commit).
   */
  async function describe(changes: ChangeSet, leads: LeadStore): Promise<CommittedChanges | null> {
    const leadIds = new Set<number>([...changes.offerChanges.map((c) => c.offer.leadId), ...changes.events.map((e) => e.leadId)]);
    if (leadIds.size === 0) return null;
    const known = [...leadIds].map((id) => changes.knownLeads.get(id));
    const found = known.every((k) => k !== undefined) ? known as { lead: LeadRow; userIds: readonly number[] }[]
      : await leads.leadsWithUsers([...leadIds]);
    const leadRows = new Map(found.map(({ lead }) => [lead.id, lead]));
    const audiences = new Map(found.map(({ lead, userIds }) => [lead.id, [...new Set([...(lead.ownerId ? [lead.ownerId] : []), ...userIds])]]));
    const committed: CommittedChanges = {
      offers: [], leadEvents: [], messageChannels: new Set(changes.messageChannels),
      ...(changes.roundDecisions.size > 0 ? { roundDecisions: changes.roundDecisions } : {}),
    };
    for (const c of changes.offerChanges) {
      const lead = leadRows.get(c.offer.leadId);
      if (lead) committed.offers.push(c.cause ? { type: c.type, offer: c.offer, lead, cause: c.cause } : { type: c.type, offer: c.offer, lead });
    }
    for (const event of changes.events) {
      const lead = leadRows.get(event.leadId);
      if (!lead) continue;
      const now = audiences.get(lead.id) ?? [];
      const former = [...(changes.before.get(lead.id) ?? [])].filter((id) => !now.includes(id));
      committed.leadEvents.push({ event, lead, audience: now, former });
    }
    return committed;
  }

  /**
   * Inside the transaction, after the change: each in-transaction listener writes its rows in a
   * savepoint. One that throws loses only its own rows (logged), never the change itself.
   */
  async function beforeCommit(changes: ChangeSet): Promise<CommittedChanges | null> {
    if (inTransactionListeners.length === 0 || changes.drafted) return null;
    const described = await describe(changes, changes.tx.leads);
    if (!described) return null;
    if (!grouped) {
      // PostgreSQL (see the top of this file): in the change's own transaction, no savepoint.
      for (const listener of inTransactionListeners) await listener(described, changes.tx);
      return described;
    }
    for (const listener of inTransactionListeners) {
      try {
        await changes.tx.savepoint((tx) => listener(described, tx));
      } catch (err) {
        logger.error({ err }, 'in-transaction change listener failed');
      }
    }
    return described;
  }

  /** After commit: tells the scheduler of new deadlines and the listeners of the changes. */
  async function announce({ changes, described }: Applied<unknown>): Promise<void> {
    for (const hook of changes.committedHooks) hook();
    for (const at of changes.deadlines) for (const listener of deadlineListeners) listener(at);
    const committed = listeners.length === 0 ? null : described ?? await describe(changes, store.leads);
    if (committed) {
      for (const listener of listeners) {
        try {
          listener(committed);
        } catch (err) {
          // A failing listener (a notifier, say) must never undo or block routing.
          logger.error({ err }, 'change listener failed');
        }
      }
    }
    // After the listeners, in the same run of code as their publishes: the Redis bus sends one turn's
    // publishes as one command, and a hint told before the await above went in a command of its own
    // (a second Redis write per routed lead, measured with strace).
    for (const moved of changes.rotations) for (const listener of rotationListeners) listener(moved.sourceId, moved.rotation);
  }

  /** One change in the open transaction `tx`, followed there by the in-transaction listeners. */
  async function apply<T>(tx: StoreTx, fn: ChangeFn<T>): Promise<Applied<T>> {
    const changes = new ChangeSet(tx);
    // `now` is read once per change, so every row it writes carries the same time.
    const result = await fn(changes, new Date(clock.now()));
    await changes.flushEvents();
    const described = await beforeCommit(changes);
    return { result, changes, described };
  }

  /** Commits the queued changes together (up to MAX_GROUP; the rest go in the next turn). */
  async function flush(): Promise<void> {
    flushScheduled = false;
    const batch = queue.slice(0, MAX_GROUP);
    queue = queue.slice(batch.length);
    if (queue.length > 0) schedule();
    const applied: { job: QueuedChange; done: Applied<unknown> }[] = [];
    const refused: { job: QueuedChange; err: unknown }[] = [];
    try {
      await store.transaction(async (tx) => {
        for (const job of batch) {
          try {
            // Its own savepoint: if it throws, only its writes are undone.
            applied.push({ job, done: await tx.savepoint((sp) => apply(sp, job.fn)) });
          } catch (err) {
            // Its savepoint is rolled back; the others in the group still commit.
            refused.push({ job, err });
          }
        }
      }, DEFERRED);
    } catch (err) {
      // The commit itself failed (disk full, I/O error): none of the group happened.
      logger.error({ err, changes: batch.length }, 'group commit failed');
      for (const job of batch) job.reject(err);
      return;
    }
    stats.commits++;
    stats.changes += applied.length;
    for (const { job, err } of refused) job.reject(err);
    for (const { done } of applied) await announce(done);
    // Announced as committed; acknowledged (the callers' promises: an HTTP answer, say) once on disk.
    try {
      await store.durable();
    } catch (err) {
      logger.error({ err, changes: applied.length }, 'group commit: the disk refused to sync the commit');
      for (const { job } of applied) job.reject(err);
      return;
    }
    for (const { job, done } of applied) job.resolve(done.result);
  }

  function schedule(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    // After this turn's I/O callbacks: every request that arrived with this one has queued by then.
    setImmediate(() => {
      flush().catch((err: unknown) => logger.error({ err }, 'group commit: announcing the changes failed'));
    });
  }

  /** A change in a transaction of its own (the `run` below). */
  async function runAlone<T>(fn: ChangeFn<T>, options: ChangeOptions = {}): Promise<T> {
    const { background, ...transaction } = options;
    const done = await store.transaction((tx) => apply(tx, fn), { ...DEFERRED, ...transaction });
    stats.commits++;
    stats.changes++;
    await announce(done);
    if (!background) await store.durable();
    return done.result;
  }

  return {
    stats,

    /** Subscribes a listener to every committed change. */
    onCommitted(listener: ChangeListener): void {
      listeners.push(listener);
    },

    /**
     * Subscribes a listener that runs inside the transaction, just before it commits (the leads as
     * they will be committed). It may only write rows, through its `tx`; they commit with the change.
     * It must not announce anything: announcing is for onCommitted listeners.
     */
    beforeCommit(listener: InTransactionListener, drafter?: RoundDrafter): void {
      inTransactionListeners.push(listener);
      drafters.push(drafter ?? null);
    },

    /**
     * What every in-transaction listener would write for `draft`, a round about to be written as its
     * change's last write; null when one of them cannot say (RoundDrafter). Drafters run in the order
     * their listeners were registered and stop at the first that cannot; the drafts made before it are
     * dropped (DraftedRows.dropped).
     */
    async draftRound(draft: RoundDraft, tx: StoreTx): Promise<RoundDrafts | null> {
      const parts: DraftedRows[] = [];
      for (const drafter of drafters) {
        const part = drafter ? await drafter(draft, tx) : null;
        if (!part) {
          for (const made of parts) made.dropped?.();
          return null;
        }
        parts.push(part);
      }
      return {
        messages: parts.flatMap((p) => p.messages),
        dropped() {
          for (const part of parts) part.dropped?.();
        },
        written(rows, changes) {
          changes.drafted = true;
          // Rows come back in id order, which is the order they were given in (the messages' order), less
          // the messages of a round's alternatives not written (RoundAlternative): each part gets the rows
          // of its own messages, matched in order by agent and channel.
          let at = 0;
          for (const part of parts) {
            const mine: NotificationRow[] = [];
            for (const m of part.messages) {
              const row = rows[at];
              if (row && row.userId === m.userId && row.channel === m.channel) {
                mine.push(row);
                at++;
              }
            }
            part.written?.(mine, changes);
          }
        },
      };
    },

    /** Told, after the commit, of every source rotation a change moved (rotation-hints.ts). */
    onRotation(listener: (sourceId: number, rotation: Rotation) => void): void {
      rotationListeners.push(listener);
    },

    /** Told of every new offer deadline, so the scheduler can arm for it. */
    onDeadline(listener: (at: number) => void): void {
      deadlineListeners.push(listener);
    },

    /**
     * Runs `fn` in a transaction of its own, followed in it by the in-transaction listeners, then
     * announces what it changed. `now` is read once, so every row the transaction writes carries the
     * same time. Resolves with `fn`'s result once the commit is on disk (at the commit for a
     * `background` change); rejects with what `fn` threw (rolled back). The other `options` go to the
     * store's transaction (the deadline scheduler's lane, say).
     */
    run: runAlone,

    /**
     * Like run, but the change may share its commit with others queued in the same turn of the
     * event loop (see the top of this file). Resolves with `fn`'s result once it has committed;
     * rejects with what `fn` threw (its savepoint rolled back), or with the commit's error.
     */
    runGrouped<T>(fn: ChangeFn<T>): Promise<T> {
      if (!grouped) return runAlone(fn);
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
  };
}

export type LeadChanges = ReturnType<typeof createLeadChanges>;
