// The routing engine's use cases: a lead comes in, rounds of offers go out, agents accept or
// decline, windows close. Each use case is one transaction (through leadChanges, whose ChangeSet
// carries the transaction's stores: `changes.tx`); what it changed is handed to the listeners after
// commit (subscriptions, notifications), never before.
import { DomainError, ErrorCode, badInput, forbidden, notFound } from '../domain/errors.js';
import { earliestMidnight, localMidnights, winsToday } from '../domain/daily-caps.js';
import { contactDueAt, goesToRepeatOwner, isHalted, leadKind, planFromHead, planLeadRound, rosterTraits, type AgentSnapshot, type LeadRoundPlan, type RoundPlan } from '../domain/routing.js';
import { normalizePostal } from '../domain/service-areas.js';
import { decodeCredits, encodeCredits } from '../domain/weighted-rotation.js';
import { composeHaltMessages } from '../notify/messages.js';
import { normalizePhone, type PhoneRegion } from '../domain/phone.js';
import { MAX_POSTAL_CODE, MAX_PRICE, MAX_PROPERTY_ADDRESS } from '../domain/property.js';
import { intInRange, normalizeEmail, optionalText, requireText } from '../domain/validation.js';
import type { Viewer } from '../domain/viewer.js';
import { rotationAtRefusal, type LeadToInsert, type LockedLead, type NextRoundWrite, type Rotation, type RoundAlternative, type RoundWrite, type Store, type Stores } from '../store/port.js';
import type { LeadRow, LeadSourceWithOffices, NewLead, OfferRow } from '../store/rows.js';
import type { Decisions } from '../store/routing-decisions.js';
import type { ChangeSet, LeadChanges } from './lead-changes.js';
import type { Clock } from '../time/clock.js';

/** A lead as submitted: the new lead's own fields (rows.ts NewLead), and which source it came through. */
export interface SubmitLeadInput extends Pick<NewLead, 'targetUserId' | 'firstName' | 'lastName' | 'email' | 'phone'
  | 'message' | 'postalCode' | 'propertyAddress' | 'price' | 'externalId'> {
  sourceId?: number | null;
  sourceKey?: string | null;
}

export interface SubmitResult {
  lead: LeadRow;
  /** False when an earlier submission with the same externalId was returned instead. */
  created: boolean;
}

/**
 * Offers expired per transaction. Each may start its lead's next round (offers, events, outbox
 * rows), so this bounds how long one batch holds the event loop: 50 took a few ms to ~20 ms in the
 * deadline benchmark (10 racers per lead), where 500 had stalled everything for hundreds of ms.
 */
const EXPIRY_BATCH = 50;

/** Leads reclaimed per transaction: each starts a routing round, like an expiry (EXPIRY_BATCH). */
const RECLAIM_BATCH = 50;

/**
 * A first round on several instances goes with the same round planned from up to this many rotations
 * further on (RoundAlternative), as far as they hold at most ALTERNATIVE_OFFERS offers together: a
 * round planned while other instances' rounds of its source were in flight is then written as the one
 * that fits where they left the rotation, in its one round trip, not refused and planned again. On two
 * instances taking one source's leads in turn, a refusal costs a round trip, and in the seconds when the
 * machine is busy they came in runs (30-60 % of first rounds refused), each making the next more likely.
 */
const MAX_ALTERNATIVES = 3;
const ALTERNATIVE_OFFERS = 12;

/** The note of the EXPIRED event of an offer closed because its agent was deactivated. */
export const DEACTIVATED_NOTE = 'the agent was deactivated';

const NOBODY: ReadonlySet<number> = new Set();

/** A source with what routing needs: its offices and its lead group's members. */
type SourceForRouting = LeadSourceWithOffices & { leadGroupMemberIds: ReadonlySet<number> | null };

export function createRoutingService(deps: {
  store: Store;
  changes: LeadChanges;
  clock: Clock;
  /** DEFAULT_PHONE_REGION: the country of a lead's phone written without one. */
  phoneRegion: PhoneRegion;
}) {
  const { store, clock } = deps;

  /** The source with its lead group's members, read through `stores` (a transaction's, or the outer ones). */
  async function forRouting(stores: Stores, source: LeadSourceWithOffices | null): Promise<SourceForRouting | null> {
    if (!source) return null;
    const members = source.leadGroupId === null ? null
      : (await stores.org.memberIdsOfGroups([source.leadGroupId])).get(source.leadGroupId) ?? [];
    return { ...source, leadGroupMemberIds: members === null ? null : new Set(members) };
  }
  const inTransaction = deps.changes.run;

  async function requireSource(stores: Stores, id: number): Promise<SourceForRouting> {
    const source = await forRouting(stores, await stores.sources.findSource(id));
    if (!source) throw new Error(`lead source ${id} is missing`);
    return source;
  }

  /**
   * GENERAL leads won today per capped agent (their own local day), or null when nobody is capped:
   * a brokerage without caps pays nothing. One indexed query, through `stores` (the round's transaction).
   */
  async function capsToday(stores: Stores, roster: readonly AgentSnapshot[], now: number): Promise<Map<number, number> | null> {
    const { cappedIds } = rosterTraits(roster);
    if (cappedIds.length === 0) return null;
    const capped = new Set(cappedIds);
    const midnights = localMidnights(roster.filter((a) => capped.has(a.id)), now);
    const since = earliestMidnight(midnights);
    const wins = since === null ? [] : await stores.leads.generalWinsSince(cappedIds, new Date(since));
    return winsToday(midnights, wins);
  }

  /** What a new general lead of the source would get now (nextUp, routingPreview): reads, writes nothing. */
  async function planNewLead(sourceId: number, postalCode: string | null): Promise<LeadRoundPlan> {
    const source = await forRouting(store, await store.sources.findSource(sourceId));
    if (!source) throw notFound('lead source');
    const roster = await store.leads.loadRoster();
    const now = clock.now();
    // The rotation as committed now (the source row itself may come from a cache).
    const rotation = await store.leads.readRotation(sourceId);
    return planLeadRound({
      roster, source, alreadyOffered: new Set(), anchor: rotation.anchor ?? 0, firstRound: true, round: 1,
      postalCode: postalCode ? normalizePostal(postalCode) : null,
      winsToday: await capsToday(store, roster, now),
      credits: rosterTraits(roster).weighted ? decodeCredits(rotation.credits) : null,
      now,
    });
  }

  /**
   * Each source's rotation as this process last planned it: where a first round starts planning, without
   * a round trip. Only a guess (another instance may have moved it since, or the write rolled back): the
   * store checks it under the source row's lock (at the commit, or in writeRound), and a round planned
   * from a stale guess is planned again from the rotation read under that lock.
   */
  const lastRotation = new Map<number, { rotation: Rotation; ticket: number | null }>();
  /**
   * Per source, the latest rotation version (Rotation.version) this process has seen: its own writes',
   * its refusals', the other instances' hints. A hint that arrives later than this process learned of a
   * newer state is dropped. A refusal says where the rotation is at once, and the other instance's hint
   * of that same move comes after it, often after this process's next round was written from there:
   * taken, it sent the round after that back to the older rotation, to be refused in turn.
   */
  const rotationVersions = new Map<number, bigint>();
  /** Records `rotation`'s version; false when this process has seen a later one than it already. */
  function isLatest(sourceId: number, rotation: Rotation): boolean {
    if (rotation.version === undefined) return true;
    const version = BigInt(rotation.version);
    const known = rotationVersions.get(sourceId);
    if (known !== undefined && version <= known) return version === known;
    rotationVersions.set(sourceId, version);
    return true;
  }
  /** Per source: the turn of the last first round to ask for one (sourceTurn). */
  const turns = new Map<number, Promise<void>>();

  /**
   * No contact deadline falls before this time (ms) as far as this process knows; null: none is known.
   * A deadline pass claims contact deadlines only from then on: the claim is a transaction of its own
   * (two round trips on PostgreSQL), and a burst of expired offers runs a pass per 50. Lowered by every
   * contact deadline this process sets (acceptOffer), and read from the database by
   * earliestPendingDeadline, which the scheduler calls after every pass that leaves no backlog, and at
   * least every second with several instances: another instance's contact deadline is claimed here no
   * later than its offer windows would be. 0 at start: the first pass claims what fell due while down.
   */
  let contactsDueFrom: number | null = 0;
  /** Counts the lowerings of contactsDueFrom, so that a read that began before one does not undo it. */
  let contactsLowered = 0;
  /** A deadline pass is reclaiming contact deadlines now (processDueDeadlines). */
  let reclaiming = false;
  function contactDeadlineSet(at: number): void {
    contactsLowered++;
    if (contactsDueFrom === null || at < contactsDueFrom) contactsDueFrom = at;
  }

  /** The last rotation ticket this process gave a first round (RotationTicket). */
  let tickets = 0;

  /** Waits for this process's previous first round of the source to have planned; the result ends this one's turn. */
  async function sourceTurn(sourceId: number): Promise<() => void> {
    const previous = turns.get(sourceId);
    let end = () => {};
    const mine = new Promise<void>((resolve) => { end = resolve; });
    turns.set(sourceId, mine);
    if (previous) await previous;
    return () => {
      end();
      if (turns.get(sourceId) === mine) turns.delete(sourceId);
    };
  }

  /** What planning a lead's next general round reads: its source, the roster, who was offered it, caps, the round's window. */
  async function roundInputs(
    lead: LeadRow | LeadToInsert, changes: ChangeSet, now: Date, known?: ReadonlySet<number>,
    /** Daily caps as capsToday has read them in this change already (the same for every lead of a pass). */
    caps?: Map<number, number> | null,
  ) {
    const { tx } = changes;
    // A new lead (submitLead) is written with its first round: `current` is null until then.
    const current = 'insert' in lead ? null : lead;
    const fields = 'insert' in lead ? lead.insert : lead;
    const source = await requireSource(tx, fields.sourceId);
    const roster = await tx.leads.loadRoster();
    // A lead with no round yet has been offered to nobody: no need to ask the database.
    const offered = current === null || current.round === 0 ? NOBODY : known ?? await tx.leads.offeredAgentIds(current.id);
    return {
      current, fields, source, roster, offered,
      winsToday: caps !== undefined ? caps : await capsToday(tx, roster, now.getTime()),
      postalCode: fields.postalCode ? normalizePostal(fields.postalCode) : null,
      round: (current?.round ?? 0) + 1,
      expiresAt: new Date(now.getTime() + source.acceptanceWindowSeconds * 1000),
    };
  }

  /** The round's offers to these agents, at `now`, closing at `expiresAt`. */
  function offersTo(agentIds: readonly number[], round: number, now: Date, expiresAt: Date): RoundWrite['offers'] {
    return agentIds.map((agentId) => ({ agentId, round, state: 'PENDING' as const, offeredAt: now, expiresAt }));
  }

  /**
   * A later general round of a lead routed before (its first fixed its place in the round robin, so
   * nothing another lead's round changes goes into it): planned, not written (writeNextRounds).
   */
  async function planNextRound(
    lead: LeadRow, changes: ChangeSet, now: Date, leadEvents: RoundWrite['leadEvents'], known?: ReadonlySet<number>,
    caps?: Map<number, number> | null,
  ): Promise<NextRoundWrite> {
    const { source, roster, offered, winsToday, postalCode, round, expiresAt } = await roundInputs(lead, changes, now, known, caps);
    const plan = planLeadRound({
      roster, source, alreadyOffered: offered, anchor: lead.routingAnchor ?? 0, firstRound: false, round, postalCode, winsToday, credits: null, now: now.getTime(),
    });
    return {
      lead, round, decisions: plan.decisions, offers: offersTo(plan.offered, round, now, expiresAt),
      patch: plan.offered.length === 0 ? { state: 'UNASSIGNED', round, routingAnchor: plan.anchor } : { round, routingAnchor: plan.anchor },
      leadEvents: [...leadEvents, ...(plan.offered.length === 0 ? [{ type: 'UNASSIGNED' as const, at: now }] : [])],
    };
  }

  /**
   * Writes planned next rounds with the change's events not written yet, all in one go (writeRounds: on
   * PostgreSQL one round trip, however many leads).
   */
  async function writeNextRounds(rounds: readonly NextRoundWrite[], changes: ChangeSet, now: Date): Promise<LeadRow[]> {
    const written = await changes.tx.leads.writeRounds(now, [...changes.unwrittenEvents()], rounds);
    return written.map((w, i) => {
      const round = rounds[i];
      if (round) changes.roundWritten(w.lead.id, round.round, round.decisions);
      changes.eventsWritten(w.events);
      for (const offer of w.offers) changes.offerChanged('RECEIVED', offer);
      const closes = round?.offers[0]?.expiresAt;
      if (w.offers.length > 0 && closes) changes.deadlineAt(closes.getTime());
      return w.lead;
    });
  }

  /**
   * Starts the lead's next general round, or leaves it UNASSIGNED when nobody eligible is left.
   * The first general round fixes the lead's place in the source's round robin.
   */
  async function startNextRound(
    lead: LeadRow | LeadToInsert, changes: ChangeSet, now: Date, leadEvents: RoundWrite['leadEvents'] = [],
    /** Every agent ever offered the lead, when the caller has read it already (lockLeadsWithPending). */
    known?: ReadonlySet<number>,
  ): Promise<LeadRow> {
    if (!('insert' in lead) && lead.routingAnchor !== null) {
      const [written] = await writeNextRounds([await planNextRound(lead, changes, now, leadEvents, known)], changes, now);
      if (!written) throw new Error(`lead ${lead.id}'s next round was not written`);
      return written;
    }
    // A first general round: planned from the source's rotation.
    const { tx } = changes;
    const { current, fields, source, roster, offered, winsToday, postalCode, round, expiresAt } = await roundInputs(lead, changes, now, known);
    // This process's first rounds of one source take turns to plan: a round plans from the rotation the
    // one before it planned (lastRotation), so within one instance none is refused. Where the store checks
    // the rotation at the commit (PostgreSQL, one instance: RoundWrite's ticket), the turn ends once the
    // plan is made, so a source's rounds are written and committed at once and its row is locked only
    // while a COMMIT runs. Where it checks as the round is written (SQLite; several instances; a
    // transaction run again after a refusal), the turn ends once the round is written, under the source
    // row's lock: the next round then plans from a rotation that cannot be refused.
    let release: (() => void) | null = await sourceTurn(source.id);
    const endsTurnEarly = await tx.leads.checksRotationAtCommit();
    const endTurn = () => {
      release?.();
      release = null;
    };
    try {
      // A first round plans from the source's rotation: this process's guess first; refused (another
      // instance moved it), from the rotation writeRound found, locked, which it then cannot refuse.
      const guess = lastRotation.get(source.id);
      let read: Rotation = guess?.rotation ?? await tx.leads.readRotation(source.id);
      /** The ticket of the round whose `next` this one plans from (RotationTicket.after). */
      let after = guess?.ticket ?? null;
      for (let attempt = 1; ; attempt++) {
        // 0 sorts before every id: "start from the lowest id".
        const plan = planLeadRound({
          roster, source, alreadyOffered: offered, anchor: read.anchor ?? 0, firstRound: true, round, postalCode, winsToday,
          credits: rosterTraits(roster).weighted ? decodeCredits(read.credits) : null, now: now.getTime(),
        });
        // The list's head (listHead, computed in the same pass) becomes the source's anchor; weighted
        // heads also move the source's credits.
        const rotation = {
          sourceId: source.id, read,
          next: { anchor: plan.head ?? read.anchor, credits: plan.credits ? encodeCredits(plan.credits) : read.credits },
          ticket: { mine: tickets = (tickets + 1) % 0x7fffffff, after },
        };
        // Set before the write, never after it: by then this process's next round may have planned from
        // this one's `next` and set its own, which must not be undone.
        lastRotation.set(source.id, { rotation: rotation.next, ticket: rotation.ticket.mine });
        if (endsTurnEarly) endTurn();
        const offers = offersTo(plan.offered, round, now, expiresAt);
        // Several instances: the round as it would be from rotations further on (RoundAlternative), each
        // planned from the head the one before it would leave. Not for a weighted roster (its credits move
        // with every round: a round from other credits is another plan), nor past a full turn of the list.
        const alternatives: RoundAlternative[] = [];
        if (current === null && !endsTurnEarly && deps.store.commitsWithRound && plan.credits === null && plan.offered.length > 0) {
          const most = Math.min(MAX_ALTERNATIVES, Math.floor(ALTERNATIVE_OFFERS / source.raceAgentCount) - 1);
          for (let from: RoundPlan | null = plan; alternatives.length < most && from?.head != null; ) {
            const anchor: number = from.head;
            if (anchor === rotation.read.anchor || alternatives.some((a) => a.from === anchor)) break;
            const alt = planFromHead(from, source.raceAgentCount);
            if (!alt || alt.offered.length === 0) break;
            // An unweighted plan's lead anchor is the anchor it was planned from (planLeadRound).
            alternatives.push({ from: anchor, next: alt.head ?? anchor, routingAnchor: anchor, decisions: alt.decisions, offers: offersTo(alt.offered, round, now, expiresAt) });
            from = alt;
          }
        }
        // The change's events not written yet go in the same statement, then the lead's own (then each offer's OFFERED).
        const events = [...changes.unwrittenEvents()];
        const ownEvents = [...leadEvents, ...(plan.offered.length === 0 ? [{ type: 'UNASSIGNED' as const, at: now }] : [])];
        // A new lead's first round is its change's last write (submitLead returns once it is written): what
        // the in-transaction listeners write for it is drafted now and written by the round's statement,
        // and the store commits with that statement (RoundWrite.commit), where it can (PostgreSQL).
        // Messages for the agents of the alternatives too: the statement writes those of the round it writes.
        const drafted = alternatives.length === 0 ? offers
          : [...new Map([offers, ...alternatives.map((a) => a.offers)].flat().map((o) => [o.agentId, o])).values()];
        const drafts = current === null && deps.store.commitsWithRound ? await deps.changes.draftRound({
          lead: fields, source, offers: drafted, now,
          eventTypes: [...events.map((e) => e.type), ...ownEvents.map((e) => e.type), ...(offers.length > 0 ? ['OFFERED' as const] : [])],
        }, tx) : null;
        const written = await tx.leads.writeRound({
          lead, round, at: now, decisions: plan.decisions, rotation,
          patch: plan.offered.length === 0 ? { state: 'UNASSIGNED', round, routingAnchor: plan.anchor } : { round, routingAnchor: plan.anchor },
          offers, events, leadEvents: ownEvents,
          ...(alternatives.length > 0 ? { alternatives } : {}),
          ...(drafts ? { messages: drafts.messages, commit: true } : {}),
        }).catch((err: unknown) => {
          // Not written (a rotation found moved, RotationRefusal, is one such failure): the draft's
          // delivery slots are free again at once rather than when their reservation lapses, and unless a
          // round has planned from this one's `next` since, the next one plans from the rotation the
          // refusal found, or reads it afresh.
          drafts?.dropped();
          const now = rotationAtRefusal(err);
          const latest = now !== null && isLatest(source.id, now);
          if (lastRotation.get(source.id)?.ticket === rotation.ticket.mine) {
            if (now && latest) lastRotation.set(source.id, { rotation: now, ticket: null });
            else lastRotation.delete(source.id);
          }
          throw err;
        });
        if ('moved' in written) {
          // Another lead of the source took its turn since the rotation was read: nothing was written.
          drafts?.dropped();
          if (attempt >= 2) throw new Error(`source ${source.id}'s rotation moved while this transaction held its lock`);
          read = written.moved;
          isLatest(source.id, read);
          after = null;
          continue;
        }
        // Written as one of its alternatives: the rotation moved on from there, not from this round's `next`.
        const way = written.alternative === undefined ? null : alternatives[written.alternative];
        if (written.alternative !== undefined && !way) throw new Error(`writeRound wrote alternative ${written.alternative} of ${alternatives.length}`);
        const next: Rotation = way ? { anchor: way.next, credits: rotation.next.credits } : rotation.next;
        const left: Rotation = written.rotationVersion === undefined ? next : { ...next, version: written.rotationVersion };
        // A hint of an earlier state that came in while the round was written gives way to it again; so
        // does this round's own guess when an alternative was written.
        const held = lastRotation.get(source.id)?.ticket;
        if (isLatest(source.id, left) && (way ? held === rotation.ticket.mine || held === null : left.version !== undefined && held === null)) {
          lastRotation.set(source.id, { rotation: left, ticket: rotation.ticket.mine });
        }
        changes.rotationMoved(source.id, left);
        changes.roundWritten(written.lead.id, round, way ? way.decisions : plan.decisions);
        drafts?.written(written.messages, changes);
        changes.eventsWritten(written.events);
        for (const offer of written.offers) changes.offerChanged('RECEIVED', offer);
        if (written.offers.length > 0) changes.deadlineAt(expiresAt.getTime());
        return written.lead;
      }
    } finally {
      endTurn();
    }
  }

  /**
   * Strikes: offers that expired unanswered grow their agents' streaks; with haltAfterMissedOffers
   * set, an agent whose streak reaches it is halted until resumed (reason "missed N offers in a
   * row") and told by SMS and email (the outbox, in this transaction). Not called for offers closed
   * because their agent was deactivated; an accept or decline ends the streak.
   */
  async function recordMissedOffers(agentIds: readonly number[], changes: ChangeSet, now: Date): Promise<void> {
    const { tx } = changes;
    const limit = (await tx.org.getSettings()).haltAfterMissedOffers;
    // No limit: the streaks only need counting, with the commit (no round trip of its own, and the agents'
    // rows locked only while the COMMIT runs: passes of several instances expire the same agents' offers).
    if (limit === null) {
      await tx.identity.addMissedOffersAtCommit(agentIds);
      return;
    }
    const streaks = await tx.identity.addMissedOffers(agentIds);
    const reached = [...streaks].filter(([, streak]) => streak >= limit).map(([id]) => id);
    if (reached.length === 0) return;
    const reason = `missed ${limit} offers in a row`;
    for (const agent of await tx.identity.findUsers(reached)) {
      if (!agent.active || isHalted({ haltedAt: agent.haltedAt?.getTime() ?? null, haltUntil: agent.haltUntil?.getTime() ?? null }, now.getTime())) continue;
      await tx.identity.updateUser(agent.id, { haltedAt: now, haltUntil: null, haltReason: reason, missedOffers: 0 });
      const messages = composeHaltMessages({ name: agent.name, email: agent.email, phone: agent.phone }, reason);
      await tx.notifications.enqueue(messages.map((m) => ({
        userId: agent.id, channel: m.channel, to: m.to, subject: m.subject, body: m.body,
        status: 'PENDING' as const, attempts: 0, nextAttemptAt: now, createdAt: now,
      })));
      changes.messagesQueued(messages);
    }
  }

  /** After an offer closed without a win: when none of the lead's offers is pending, route on. */
  async function continueIfRoundsOver(
    leadIds: readonly number[], changes: ChangeSet, now: Date,
    /** The leads locked already (expireDueOffersLocking), in place of locking leadIds here. */
    lockedAlready?: LockedLead[],
  ): Promise<{ lead: LeadRow; userIds: readonly number[] }[]> {
    // Locked: two instances resuming or closing offers of one lead at once start one next round. All
    // of them in one statement, with whom each was offered to (a batch of expiries touches a few leads;
    // it was three round trips each).
    const locked = lockedAlready ?? await changes.tx.leads.lockLeadsWithPending(leadIds);
    /** Each lead as this leaves it, with its users. */
    const left = new Map(locked.map(({ lead, userIds }) => [lead.id, { lead, userIds }]));
    const settle = (lead: LeadRow) => left.set(lead.id, { lead, userIds: left.get(lead.id)?.userIds ?? [] });
    const over = locked.filter(({ lead, pending }) => lead.state === 'ROUTING' && pending === 0);
    // Leads routed before get their next rounds planned one by one and written together (writeNextRounds:
    // a pass of expiries waited for a round trip per lead); a lead's first general round (a direct lead
    // gone to general routing) plans from its source's rotation, as a new lead's does.
    const later = over.filter(({ lead }) => lead.routingAnchor !== null);
    if (later.length > 0) {
      // Caps count wins, which no round changes: read once for all of them.
      const caps = await capsToday(changes.tx, await changes.tx.leads.loadRoster(), now.getTime());
      const planned: NextRoundWrite[] = [];
      for (const { lead, offered } of later) planned.push(await planNextRound(lead, changes, now, [], offered, caps));
      for (const lead of await writeNextRounds(planned, changes, now)) settle(lead);
    }
    for (const { lead, offered } of over.filter(({ lead }) => lead.routingAnchor === null)) {
      settle(await startNextRound(lead, changes, now, [], offered));
    }
    return [...left.values()];
  }

  /**
   * A claimed contact deadline (its row locked and cleared by the claim): a lead still ASSIGNED loses
   * its owner and users, a RECLAIMED event names the former owner (who hears it once, with the lead's
   * limited view, and is sent why), and routing goes on with the next round. The former owner holds an
   * offer of the lead, so ALREADY_OFFERED keeps them out of it; with nobody left, it goes UNASSIGNED.
   * A lead that left its owner meanwhile (the claim found the deadline but not the owner) is skipped.
   */
  async function reclaim(claimed: LeadRow, changes: ChangeSet, now: Date): Promise<void> {
    const formerOwner = claimed.ownerId;
    if (claimed.state !== 'ASSIGNED' || formerOwner === null) return;
    const { tx } = changes;
    const source = await requireSource(tx, claimed.sourceId);
    changes.lostBy(claimed.id, [formerOwner, ...await tx.leads.userIdsOfLead(claimed.id)]);
    await tx.leadWork.clearLeadUsers(claimed.id);
    await tx.leads.markAcceptedOfferReclaimed(claimed.id, now);
    const lead = await tx.leads.updateLead(claimed.id, {
      state: 'ROUTING', ownerId: null, assignedAt: null, referralFeePercent: null, contactDueAt: null,
    });
    const seconds = source.contactDeadlineSeconds;
    await changes.addEvents([{
      leadId: lead.id, type: 'RECLAIMED', at: now, agentId: formerOwner,
      note: seconds === null ? 'no contact was logged in time' : `no contact was logged within ${seconds} s of accepting`,
    }]);
    await startNextRound(lead, changes, now);
  }

  function validateLead(input: SubmitLeadInput) {
    return {
      firstName: requireText('firstName', input.firstName, 100),
      lastName: optionalText('lastName', input.lastName, 100),
      email: input.email?.trim() ? normalizeEmail('email', input.email) : null,
      phone: input.phone?.trim() ? normalizePhone('phone', input.phone, deps.phoneRegion) : null,
      message: optionalText('message', input.message, 5000),
      postalCode: optionalText('postalCode', input.postalCode, MAX_POSTAL_CODE),
      propertyAddress: optionalText('propertyAddress', input.propertyAddress, MAX_PROPERTY_ADDRESS),
      price: input.price == null ? null : intInRange('price', input.price, 1, MAX_PRICE),
      externalId: optionalText('externalId', input.externalId, 200),
    };
  }

  /** Why a claim or decline changed nothing: not the caller's offer, or no longer open. */
  async function closedOfferError(stores: Stores, offerId: number, agentId: number): Promise<DomainError> {
    const offer = await stores.leads.findOffer(offerId);
    if (!offer || offer.agentId !== agentId) return notFound('offer');
    // Still PENDING here means its window closed but the expiry has not been processed yet.
    const state = offer.state === 'PENDING' ? 'EXPIRED' : offer.state;
    return new DomainError(ErrorCode.OFFER_CLOSED, `offer is no longer open (${state.toLowerCase()})`);
  }

  return {
    /**
     * Another instance moved the source's rotation (rotation-hints.ts): this process's next first round
     * of the source plans from there, rather than from its own last write, which the other instance's
     * has overtaken (and writeRound would refuse). Only a guess, like lastRotation itself.
     */
    rotationHeard(sourceId: number, rotation: Rotation): void {
      if (isLatest(sourceId, rotation)) lastRotation.set(sourceId, { rotation, ticket: null });
    },

    /**
     * A lead comes in. By an admin with sourceId, or by anyone holding the source's publicKey.
     * Idempotent on (source, externalId). Durable once this resolves: the transaction has committed
     * (a group commit: leads submitted in the same turn of the event loop share one fsync).
     */
    async submitLead(input: SubmitLeadInput, actor: Viewer | null): Promise<SubmitResult> {
      const fields = validateLead(input);
      let source: SourceForRouting | null;
      if (input.sourceKey) {
        source = await forRouting(store, await store.sources.findSourceByPublicKey(input.sourceKey.trim()));
        if (!source) throw notFound('lead source');
      } else if (input.sourceId != null) {
        if (!actor) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'sign in, or submit with the source key (sourceKey)');
        if (actor.role !== 'ADMIN') throw forbidden('only an admin may submit leads by sourceId; forms use sourceKey');
        source = await forRouting(store, await store.sources.findSource(input.sourceId));
        if (!source) throw badInput('sourceId', 'no such lead source');
      } else {
        throw badInput('sourceKey', 'give sourceKey (a source public key) or sourceId');
      }
      const src = source;

      return deps.changes.runGrouped(async (changes, now): Promise<SubmitResult> => {
        const { tx } = changes;
        if (fields.externalId) {
          const existing = await tx.leads.findLeadByExternalId(src.id, fields.externalId);
          if (existing) return { lead: existing, created: false };
        }
        let target: { id: number; active: boolean } | null = null;
        if (input.targetUserId != null) {
          target = await tx.identity.findUser(input.targetUserId);
          if (!target) throw badInput('targetUserId', 'no such user');
        }
        const kind = leadKind(src, target);
        // A returning client (indexed probes by email and phone: only on sources that ask for it).
        const repeat = kind === 'GENERAL' && src.repeatLeadsToOwner && (fields.email !== null || fields.phone !== null)
          ? await tx.leads.findRepeatOwner(fields.email, fields.phone) : null;
        if (goesToRepeatOwner(kind, src, repeat) && repeat) {
          // Straight to the owner who knows the client: no offers, no race, no fee (as a direct lead).
          const lead = await tx.leads.insertLead({
            sourceId: src.id, kind: 'REPEAT', state: 'ASSIGNED', targetUserId: target?.id ?? null, ownerId: repeat.ownerId,
            repeatOfId: repeat.leadId, assignedAt: now,
            statusCodeId: await tx.statusCodes.defaultStatusCodeId(), createdAt: now, ...fields,
          });
          await changes.addEvents([
            { leadId: lead.id, type: 'CREATED', at: now, actorId: actor?.id ?? null },
            { leadId: lead.id, type: 'ASSIGNED', at: now, agentId: repeat.ownerId, note: `returning client of lead ${repeat.leadId}` },
          ]);
          changes.created(lead);
          return { lead, created: true };
        }
        const newLead: NewLead = {
          sourceId: src.id, kind, state: 'ROUTING', targetUserId: target?.id ?? null,
          statusCodeId: await tx.statusCodes.defaultStatusCodeId(), createdAt: now, ...fields,
        };
        const createdEvent = { type: 'CREATED' as const, at: now, actorId: actor?.id ?? null };
        if (kind !== 'DIRECT_TO_USER' || !target) {
          // Inserted with its first round (writeRound): on PostgreSQL one statement, not two round trips.
          const lead = await startNextRound({ insert: newLead }, changes, now, [createdEvent]);
          changes.created(lead);
          return { lead, created: true };
        }
        // A direct lead, to the agent its source names.
        let lead = await tx.leads.insertLead(newLead);
        await changes.addEvents([{ leadId: lead.id, ...createdEvent }]);
        /** A direct lead's one round: its agent, offered it. */
        const directDecisions: Decisions = [[target.id, 'OFFERED']];
        if (src.directToUserAutoAccept) {
          // Straight to the agent: an ACCEPTED offer records it; no fee on their own lead.
          const [offer] = await tx.leads.insertOffers([{
            leadId: lead.id, agentId: target.id, round: 1, direct: true, state: 'ACCEPTED',
            offeredAt: now, expiresAt: now, respondedAt: now,
          }]);
          if (!offer) throw new Error('direct offer insert returned nothing');
          await tx.leads.insertRoutingRound(lead.id, 1, now, directDecisions);
          changes.roundWritten(lead.id, 1, directDecisions);
          lead = await tx.leads.updateLead(lead.id, { state: 'ASSIGNED', ownerId: target.id, round: 1, assignedAt: now });
          changes.offerChanged('ACCEPTED', offer);
          await changes.addEvents([
            { leadId: lead.id, type: 'ACCEPTED', at: now, agentId: target.id, offerId: offer.id },
            { leadId: lead.id, type: 'ASSIGNED', at: now, agentId: target.id },
          ]);
        } else {
          const expiresAt = new Date(now.getTime() + src.directToUserWindowSeconds * 1000);
          const [offer] = await tx.leads.insertOffers([{
            leadId: lead.id, agentId: target.id, round: 1, direct: true, state: 'PENDING', offeredAt: now, expiresAt,
          }]);
          if (!offer) throw new Error('direct offer insert returned nothing');
          await tx.leads.insertRoutingRound(lead.id, 1, now, directDecisions);
          changes.roundWritten(lead.id, 1, directDecisions);
          lead = await tx.leads.updateLead(lead.id, { round: 1 });
          changes.offerChanged('RECEIVED', offer);
          await changes.addEvents([{ leadId: lead.id, type: 'OFFERED', at: now, agentId: target.id, offerId: offer.id }]);
          changes.deadlineAt(expiresAt.getTime());
        }
        changes.created(lead);
        return { lead, created: true };
      });
    },

    /**
     * The first accept wins the lead; every other pending offer of it becomes TAKEN. Group-committed
     * like submitLead: accepts racing in the same turn run one after another in one transaction,
     * so the conditional UPDATE still lets exactly one of them win.
     */
    acceptOffer(offerId: number, viewer: Viewer): Promise<{ offer: OfferRow; lead: LeadRow }> {
      return deps.changes.runGrouped(async (changes, now) => {
        const { tx } = changes;
        const offer = await tx.leads.claimOffer(offerId, viewer.id, now);
        if (!offer) throw await closedOfferError(tx, offerId, viewer.id);
        // An answer ends a streak of missed offers (a no-op write when there is none).
        await tx.identity.clearMissedOffers(viewer.id);
        const taken = await tx.leads.takeOtherOffers(offer.leadId, now);
        const before = await tx.leads.findLead(offer.leadId);
        if (!before) throw new Error(`lead ${offer.leadId} missing`);
        const source = offer.direct ? null : await requireSource(tx, before.sourceId);
        // The winner of a race owes the client a first contact within the source's deadline (a row, as an offer's window).
        const due = source ? contactDueAt(source, offer, now.getTime()) : null;
        const lead = await tx.leads.updateLead(offer.leadId, {
          state: 'ASSIGNED', ownerId: viewer.id, referralFeePercent: source?.referralFeePercent ?? null, assignedAt: now,
          contactDueAt: due === null ? null : new Date(due),
        });
        if (due !== null) {
          changes.deadlineAt(due);
          contactDeadlineSet(due);
        }
        changes.offerChanged('ACCEPTED', offer);
        for (const o of taken) changes.offerChanged('TAKEN', o);
        await changes.addEvents([
          { leadId: lead.id, type: 'ACCEPTED', at: now, actorId: viewer.id, agentId: viewer.id, offerId: offer.id },
          { leadId: lead.id, type: 'ASSIGNED', at: now, actorId: viewer.id, agentId: viewer.id },
        ]);
        return { offer, lead };
      });
    },

    /** A decline closes the agent's offer; when the round has no pending offer left, the next starts. */
    declineOffer(offerId: number, viewer: Viewer): Promise<OfferRow> {
      return deps.changes.runGrouped(async (changes, now) => {
        const offer = await changes.tx.leads.declineOffer(offerId, viewer.id, now);
        if (!offer) throw await closedOfferError(changes.tx, offerId, viewer.id);
        // Declining is an answer, not a miss: it ends a streak of missed offers.
        await changes.tx.identity.clearMissedOffers(viewer.id);
        changes.offerChanged('DECLINED', offer);
        await changes.addEvents([{ leadId: offer.leadId, type: 'DECLINED', at: now, actorId: viewer.id, agentId: viewer.id, offerId: offer.id }]);
        await continueIfRoundsOver([offer.leadId], changes, now);
        return offer;
      });
    },

    /**
     * Expires up to EXPIRY_BATCH offers whose window has closed, in one transaction, and routes
     * their leads on. `more` says a full batch was taken: the scheduler calls again after letting
     * the event loop answer whatever else is waiting (deadline-scheduler.ts), so a burst of expiries
     * never holds the loop (and every other lead's deadline) for long.
     */
    async processDueDeadlines(): Promise<{ processed: number; more: boolean }> {
      // `background`: a pass answers nobody, so the next one need not wait for the disk (lead-changes.ts).
      const processed = await inTransaction(async (changes, now) => {
        // Expired, and their leads locked with what their next rounds need, in one go.
        const { expired: rows, locked } = await changes.tx.leads.expireDueOffersLocking(now, EXPIRY_BATCH);
        for (const offer of rows) changes.offerChanged('EXPIRED', offer);
        await changes.addEvents(rows.map((o) => ({ leadId: o.leadId, type: 'EXPIRED' as const, at: now, agentId: o.agentId, offerId: o.id })));
        // Before the next rounds: an agent halted by this batch is not offered those leads again.
        if (rows.length > 0) await recordMissedOffers(rows.map((o) => o.agentId), changes, now);
        // Nothing changes these leads after their next rounds: announced as they are here, not read back.
        changes.settled(await continueIfRoundsOver(rows.map((o) => o.leadId), changes, now, locked));
        return rows.length;
      }, { lane: 'scheduled', background: true });
      // Contact deadlines in a transaction of their own (a lead whose owner never reached the client),
      // once one may be due (contactsDueFrom).
      // One pass at a time reclaims (passes run together through a backlog of offers on PostgreSQL): a
      // pass whose claim found the others' rows locked would otherwise forget contactsDueFrom too soon.
      let reclaimed = 0;
      if (!reclaiming && contactsDueFrom !== null && contactsDueFrom <= clock.now()) {
        const lowered = contactsLowered;
        reclaiming = true;
        try {
          reclaimed = await inTransaction(async (changes, now) => {
            const claimed = await changes.tx.leads.claimDueContactDeadlines(now, RECLAIM_BATCH);
            for (const lead of claimed) await reclaim(lead, changes, now);
            return claimed.length;
          }, { lane: 'scheduled', background: true });
        } finally {
          reclaiming = false;
        }
        // A batch short of full left none due; one set meanwhile stays known.
        if (reclaimed < RECLAIM_BATCH && contactsLowered === lowered) contactsDueFrom = null;
      }
      return { processed: processed + reclaimed, more: processed === EXPIRY_BATCH || reclaimed === RECLAIM_BATCH };
    },

    /**
     * Inside the caller's transaction (an admin deactivating the agent): the agent's PENDING offers
     * close at once as EXPIRED, each with an EXPIRED event whose note says why, and their leads route
     * on as after an expiry (the next round; a direct lead to general routing). Left open, they would
     * wait out their windows (an hour, or days for a direct lead) with nobody able to answer them.
     */
    async closeOffersOfDeactivated(agentId: number, actorId: number | null, changes: ChangeSet, now: Date): Promise<number> {
      const closed = await changes.tx.leads.expireOffersOfAgent(agentId, now);
      for (const offer of closed) changes.offerChanged('EXPIRED', offer, 'AGENT_DEACTIVATED');
      await changes.addEvents(closed.map((o) => ({
        leadId: o.leadId, type: 'EXPIRED' as const, at: now, actorId, agentId, offerId: o.id, note: DEACTIVATED_NOTE,
      })));
      await continueIfRoundsOver(closed.map((o) => o.leadId), changes, now);
      return closed.length;
    },

    /** Start-up repair: a lead left ROUTING with no pending offer gets its next round now. */
    async resumeStalledLeads(): Promise<number> {
      const stalled = await store.leads.stalledRoutingLeads();
      for (const lead of stalled) await inTransaction((changes, now) => continueIfRoundsOver([lead.id], changes, now));
      return stalled.length;
    },

    /** The earliest offer window or contact deadline still to process (ms), or null: what the scheduler arms for. */
    async earliestPendingDeadline(): Promise<number | null> {
      const lowered = contactsLowered;
      const { offer, contact } = await store.leads.earliestDeadlines();
      // What the database holds now, unless this process set one since the read began (it may be missing).
      if (contactsLowered === lowered) contactsDueFrom = contact;
      else if (contact !== null) contactDeadlineSet(contact);
      if (offer === null) return contact;
      return contact === null ? offer : Math.min(offer, contact);
    },

    /** Who would be offered this source's next general lead (without a postal code), in order. */
    async nextUp(sourceId: number): Promise<number[]> {
      return (await planNewLead(sourceId, null)).offered;
    },

    /**
     * The first round a new general lead of the source (with this postal code) would get now: every
     * agent considered, in distribution-list order, with the reason. Writes nothing.
     */
    async routingPreview(sourceId: number, postalCode: string | null): Promise<Decisions> {
      const code = optionalText('postalCode', postalCode, MAX_POSTAL_CODE);
      return (await planNewLead(sourceId, code)).decisions;
    },
  };
}

export type RoutingService = ReturnType<typeof createRoutingService>;
