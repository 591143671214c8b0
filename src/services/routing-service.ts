// The routing engine's use cases: a lead comes in, rounds of offers go out, agents accept or
// decline, windows close. Each use case is one synchronous transaction; what it changed is handed
// to the listeners after commit (subscriptions, notifications), never before.
import { DomainError, ErrorCode, badInput, forbidden, notFound } from '../domain/errors.js';
import { leadKind, planRound } from '../domain/routing.js';
import { normalizeEmail, normalizePhone, optionalText, requireText } from '../domain/validation.js';
import type { Viewer } from '../domain/viewer.js';
import type { IdentityStore } from '../store/sqlite/identity-store.js';
import type { LeadRow, LeadStore, OfferRow } from '../store/sqlite/lead-store.js';
import type { OrgStore } from '../store/sqlite/org-store.js';
import type { LeadSourceWithOffices, SourceStore } from '../store/sqlite/source-store.js';
import type { StatusStore } from '../store/sqlite/status-store.js';
import type { ChangeSet, LeadChanges } from './lead-changes.js';
import type { Clock } from '../time/clock.js';

export interface SubmitLeadInput {
  sourceId?: number | null;
  sourceKey?: string | null;
  targetUserId?: number | null;
  firstName: string;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  message?: string | null;
  externalId?: string | null;
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

/** The note of the EXPIRED event of an offer closed because its agent was deactivated. */
export const DEACTIVATED_NOTE = 'the agent was deactivated';

/** A source with what routing needs: its offices and its lead group's members. */
type SourceForRouting = LeadSourceWithOffices & { leadGroupMemberIds: ReadonlySet<number> | null };

export function createRoutingService(deps: {
  leads: LeadStore;
  identity: IdentityStore;
  sources: SourceStore;
  statusCodes: StatusStore;
  org: OrgStore;
  changes: LeadChanges;
  clock: Clock;
}) {
  const { leads: store, identity, sources, statusCodes, org, clock } = deps;

  function forRouting(source: LeadSourceWithOffices | null): SourceForRouting | null {
    if (!source) return null;
    const members = source.leadGroupId === null ? null : org.memberIdsOfGroups([source.leadGroupId]).get(source.leadGroupId) ?? [];
    return { ...source, leadGroupMemberIds: members === null ? null : new Set(members) };
  }
  const inTransaction = deps.changes.run;

  function requireSource(id: number): SourceForRouting {
    const source = forRouting(sources.findSource(id));
    if (!source) throw new Error(`lead source ${id} is missing`);
    return source;
  }

  /**
   * Starts the lead's next general round, or leaves it UNASSIGNED when nobody eligible is left.
   * The first general round fixes the lead's place in the source's round robin.
   */
  function startNextRound(lead: LeadRow, changes: ChangeSet, now: Date): LeadRow {
    const source = requireSource(lead.sourceId);
    const roster = store.loadRoster();
    const firstRound = lead.routingAnchor === null;
    // 0 sorts before every id: "start from the lowest id".
    const anchor = lead.routingAnchor ?? source.rrLastAgentId ?? 0;
    const plan = planRound(roster, source, store.offeredAgentIds(lead.id), anchor, now.getTime());
    // The list's head (listHead, computed in the same pass) becomes the source's anchor.
    if (firstRound && plan.head !== null) store.setSourceAnchor(source.id, plan.head);
    const round = lead.round + 1;
    store.insertRoutingRound(lead.id, round, now, plan.decisions);
    if (plan.offered.length === 0) {
      changes.addEvents([{ leadId: lead.id, type: 'UNASSIGNED', at: now }]);
      return store.updateLead(lead.id, { state: 'UNASSIGNED', round, routingAnchor: anchor });
    }
    const expiresAt = new Date(now.getTime() + source.acceptanceWindowSeconds * 1000);
    const made = store.insertOffers(plan.offered.map((agentId) => ({
      leadId: lead.id, agentId, round, state: 'PENDING' as const, offeredAt: now, expiresAt,
    })));
    for (const offer of made) changes.offerChanged('RECEIVED', offer);
    changes.addEvents(made.map((o) => ({ leadId: lead.id, type: 'OFFERED' as const, at: now, agentId: o.agentId, offerId: o.id })));
    changes.deadlineAt(expiresAt.getTime());
    return store.updateLead(lead.id, { round, routingAnchor: anchor });
  }

  /** After an offer closed without a win: when none of the lead's offers is pending, route on. */
  function continueIfRoundOver(leadId: number, changes: ChangeSet, now: Date): void {
    const lead = store.findLead(leadId);
    if (lead && lead.state === 'ROUTING' && store.pendingOfferCount(leadId) === 0) startNextRound(lead, changes, now);
  }

  function validateLead(input: SubmitLeadInput) {
    return {
      firstName: requireText('firstName', input.firstName, 100),
      lastName: optionalText('lastName', input.lastName, 100),
      email: input.email?.trim() ? normalizeEmail('email', input.email) : null,
      phone: input.phone?.trim() ? normalizePhone('phone', input.phone) : null,
      message: optionalText('message', input.message, 5000),
      externalId: optionalText('externalId', input.externalId, 200),
    };
  }

  /** Why a claim or decline changed nothing: not the caller's offer, or no longer open. */
  function closedOfferError(offerId: number, agentId: number): DomainError {
    const offer = store.findOffer(offerId);
    if (!offer || offer.agentId !== agentId) return notFound('offer');
    // Still PENDING here means its window closed but the expiry has not been processed yet.
    const state = offer.state === 'PENDING' ? 'EXPIRED' : offer.state;
    return new DomainError(ErrorCode.OFFER_CLOSED, `offer is no longer open (${state.toLowerCase()})`);
  }

  return {
    /**
     * A lead comes in. By an admin with sourceId, or by anyone holding the source's publicKey.
     * Idempotent on (source, externalId). Durable once this resolves: the transaction has committed
     * (a group commit: leads submitted in the same turn of the event loop share one fsync).
     */
    async submitLead(input: SubmitLeadInput, actor: Viewer | null): Promise<SubmitResult> {
      const fields = validateLead(input);
      let source: SourceForRouting | null;
      if (input.sourceKey) {
        source = forRouting(sources.findSourceByPublicKey(input.sourceKey.trim()));
        if (!source) throw notFound('lead source');
      } else if (input.sourceId != null) {
        if (!actor) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'sign in, or submit with the source key (sourceKey)');
        if (actor.role !== 'ADMIN') throw forbidden('only an admin may submit leads by sourceId; forms use sourceKey');
        source = forRouting(sources.findSource(input.sourceId));
        if (!source) throw badInput('sourceId', 'no such lead source');
      } else {
        throw badInput('sourceKey', 'give sourceKey (a source public key) or sourceId');
      }
      const src = source;

      return deps.changes.runGrouped((changes, now): SubmitResult => {
        if (fields.externalId) {
          const existing = store.findLeadByExternalId(src.id, fields.externalId);
          if (existing) return { lead: existing, created: false };
        }
        let target: { id: number; active: boolean } | null = null;
        if (input.targetUserId != null) {
          target = identity.findUser(input.targetUserId);
          if (!target) throw badInput('targetUserId', 'no such user');
        }
        const kind = leadKind(src, target);
        let lead = store.insertLead({
          sourceId: src.id, kind, state: 'ROUTING', targetUserId: target?.id ?? null,
          statusCodeId: statusCodes.defaultStatusCodeId(), createdAt: now, ...fields,
        });
        changes.addEvents([{ leadId: lead.id, type: 'CREATED', at: now, actorId: actor?.id ?? null }]);

        if (kind === 'DIRECT_TO_USER' && target) {
          if (src.directToUserAutoAccept) {
            // Straight to the agent: an ACCEPTED offer records it; no fee on their own lead.
            const [offer] = store.insertOffers([{
              leadId: lead.id, agentId: target.id, round: 1, direct: true, state: 'ACCEPTED',
              offeredAt: now, expiresAt: now, respondedAt: now,
            }]);
            if (!offer) throw new Error('direct offer insert returned nothing');
            store.insertRoutingRound(lead.id, 1, now, [[target.id, 'OFFERED']]);
            lead = store.updateLead(lead.id, { state: 'ASSIGNED', ownerId: target.id, round: 1, assignedAt: now });
            changes.offerChanged('ACCEPTED', offer);
            changes.addEvents([
              { leadId: lead.id, type: 'ACCEPTED', at: now, agentId: target.id, offerId: offer.id },
              { leadId: lead.id, type: 'ASSIGNED', at: now, agentId: target.id },
            ]);
          } else {
            const expiresAt = new Date(now.getTime() + src.directToUserWindowSeconds * 1000);
            const [offer] = store.insertOffers([{
              leadId: lead.id, agentId: target.id, round: 1, direct: true, state: 'PENDING', offeredAt: now, expiresAt,
            }]);
            if (!offer) throw new Error('direct offer insert returned nothing');
            store.insertRoutingRound(lead.id, 1, now, [[target.id, 'OFFERED']]);
            lead = store.updateLead(lead.id, { round: 1 });
            changes.offerChanged('RECEIVED', offer);
            changes.addEvents([{ leadId: lead.id, type: 'OFFERED', at: now, agentId: target.id, offerId: offer.id }]);
            changes.deadlineAt(expiresAt.getTime());
          }
        } else {
          lead = startNextRound(lead, changes, now);
        }
        return { lead, created: true };
      });
    },

    /**
     * The first accept wins the lead; every other pending offer of it becomes TAKEN. Group-committed
     * like submitLead: accepts racing in the same turn run one after another in one transaction,
     * so the conditional UPDATE still lets exactly one of them win.
     */
    acceptOffer(offerId: number, viewer: Viewer): Promise<{ offer: OfferRow; lead: LeadRow }> {
      return deps.changes.runGrouped((changes, now) => {
        const offer = store.claimOffer(offerId, viewer.id, now);
        if (!offer) throw closedOfferError(offerId, viewer.id);
        const taken = store.takeOtherOffers(offer.leadId, now);
        const before = store.findLead(offer.leadId);
        if (!before) throw new Error(`lead ${offer.leadId} missing`);
        const fee = offer.direct ? null : requireSource(before.sourceId).referralFeePercent;
        const lead = store.updateLead(offer.leadId, {
          state: 'ASSIGNED', ownerId: viewer.id, referralFeePercent: fee, assignedAt: now,
        });
        changes.offerChanged('ACCEPTED', offer);
        for (const o of taken) changes.offerChanged('TAKEN', o);
        changes.addEvents([
          { leadId: lead.id, type: 'ACCEPTED', at: now, actorId: viewer.id, agentId: viewer.id, offerId: offer.id },
          { leadId: lead.id, type: 'ASSIGNED', at: now, actorId: viewer.id, agentId: viewer.id },
        ]);
        return { offer, lead };
      });
    },

    /** A decline closes the agent's offer; when the round has no pending offer left, the next starts. */
    declineOffer(offerId: number, viewer: Viewer): Promise<OfferRow> {
      return deps.changes.runGrouped((changes, now) => {
        const offer = store.declineOffer(offerId, viewer.id, now);
        if (!offer) throw closedOfferError(offerId, viewer.id);
        changes.offerChanged('DECLINED', offer);
        changes.addEvents([{ leadId: offer.leadId, type: 'DECLINED', at: now, actorId: viewer.id, agentId: viewer.id, offerId: offer.id }]);
        continueIfRoundOver(offer.leadId, changes, now);
        return offer;
      });
    },

    /**
     * Expires up to EXPIRY_BATCH offers whose window has closed, in one transaction, and routes
     * their leads on. `more` says a full batch was taken: the scheduler calls again after letting
     * the event loop answer whatever else is waiting (deadline-scheduler.ts), so a burst of expiries
     * never holds the loop (and every other lead's deadline) for long.
     */
    processDueDeadlines(): { processed: number; more: boolean } {
      const processed = inTransaction((changes, now) => {
        const rows = store.expireDueOffers(now, EXPIRY_BATCH);
        for (const offer of rows) changes.offerChanged('EXPIRED', offer);
        changes.addEvents(rows.map((o) => ({ leadId: o.leadId, type: 'EXPIRED' as const, at: now, agentId: o.agentId, offerId: o.id })));
        for (const leadId of new Set(rows.map((o) => o.leadId))) continueIfRoundOver(leadId, changes, now);
        return rows.length;
      });
      return { processed, more: processed === EXPIRY_BATCH };
    },

    /**
     * Inside the caller's transaction (an admin deactivating the agent): the agent's PENDING offers
     * close at once as EXPIRED, each with an EXPIRED event whose note says why, and their leads route
     * on as after an expiry (the next round; a direct lead to general routing). Left open, they would
     * wait out their windows (an hour, or days for a direct lead) with nobody able to answer them.
     */
    closeOffersOfDeactivated(agentId: number, actorId: number | null, changes: ChangeSet, now: Date): number {
      const closed = store.expireOffersOfAgent(agentId, now);
      for (const offer of closed) changes.offerChanged('EXPIRED', offer, 'AGENT_DEACTIVATED');
      changes.addEvents(closed.map((o) => ({
        leadId: o.leadId, type: 'EXPIRED' as const, at: now, actorId, agentId, offerId: o.id, note: DEACTIVATED_NOTE,
      })));
      for (const leadId of new Set(closed.map((o) => o.leadId))) continueIfRoundOver(leadId, changes, now);
      return closed.length;
    },

    /** Start-up repair: a lead left ROUTING with no pending offer gets its next round now. */
    resumeStalledLeads(): number {
      const stalled = store.stalledRoutingLeads();
      for (const lead of stalled) inTransaction((changes, now) => continueIfRoundOver(lead.id, changes, now));
      return stalled.length;
    },

    earliestPendingDeadline: (): number | null => store.earliestPendingDeadline(),

    /** Who would be offered this source's next general lead, in order. */
    nextUp(sourceId: number): number[] {
      const source = forRouting(sources.findSource(sourceId));
      if (!source) throw notFound('lead source');
      const anchor = source.rrLastAgentId ?? 0;
      return planRound(store.loadRoster(), source, new Set(), anchor, clock.now()).offered;
    },
  };
}

export type RoutingService = ReturnType<typeof createRoutingService>;
