// Reading leads with the privacy rule applied: every lead handed to the API layer carries the
// viewer's access level, decided once by domain/routing.ts leadAccess.
import { notFound } from '../domain/errors.js';
import type { LeadVisibility } from '../domain/lead-visibility.js';
import { leadAccess, type LeadAccess } from '../domain/routing.js';
import type { Viewer } from '../domain/viewer.js';
import type { LeadRow, LeadStore, OfferRow } from '../store/sqlite/lead-store.js';
import type { Clock } from '../time/clock.js';

/** A lead with what the viewer may see of it (domain/lead-visibility.ts). */
export type LeadView = LeadRow & { access: LeadVisibility };

export function createLeadService(deps: { leads: LeadStore; clock: Clock }) {
  const { leads: store, clock } = deps;

  function accessOf(viewer: Viewer, lead: LeadRow): LeadAccess {
    const relation = viewer.role === 'ADMIN' || lead.ownerId === viewer.id
      ? { isUser: false, wasOffered: false }
      : store.relationOf(lead.id, viewer.id);
    return leadAccess(viewer, lead, relation);
  }

  return {
    /** The lead as this viewer may see it; NOT_FOUND when they may not see it at all. */
    getLead(viewer: Viewer, id: number): LeadView {
      const lead = store.findLead(id);
      if (!lead) throw notFound('lead');
      const access = accessOf(viewer, lead);
      if (access === 'NONE') throw notFound('lead');
      return { ...lead, access };
    },

    /**
     * The lead a submission returns, as its submitter may see it: a receipt (id, kind, state, time)
     * unless they may see the lead anyway. So a replayed externalId shows nobody more than they
     * could already see.
     */
    submittedLead(viewer: Viewer | null, lead: LeadRow): LeadView {
      const access = viewer ? accessOf(viewer, lead) : 'NONE';
      return { ...lead, access: access === 'NONE' ? 'RECEIPT' : access };
    },

    /** The viewer's offers still open, oldest first. */
    myPendingOffers(viewer: Viewer): OfferRow[] {
      return store.pendingOffersOfAgent(viewer.id, new Date(clock.now()));
    },

    findOffer: (id: number) => store.findOffer(id),
    offersOfLead: (leadId: number) => store.offersOfLead(leadId),
    eventsOfLead: (leadId: number) => store.eventsOfLead(leadId),
    userIdsOfLead: (leadId: number) => store.userIdsOfLead(leadId),
    routingRounds: (leadId: number) => store.routingRounds(leadId),
    findLeads: (ids: readonly number[]) => store.findLeads(ids),
  };
}

export type LeadService = ReturnType<typeof createLeadService>;
