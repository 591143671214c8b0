// Reading leads with the privacy rule applied: every lead handed to the API layer carries the
// viewer's access level, decided once by domain/routing.ts leadAccess.
import { notFound } from '../domain/errors.js';
import { leadAccess, type LeadAccess } from '../domain/routing.js';
import type { Viewer } from '../domain/viewer.js';
import type { LeadRow, LeadStore, OfferRow } from '../store/lead-store.js';
import type { Clock } from '../time/clock.js';

export type LeadView = LeadRow & { access: Exclude<LeadAccess, 'NONE'> };

export function createLeadService(deps: { leads: LeadStore; clock: Clock }) {
  const { leads: store, clock } = deps;

  return {
    /** The lead as this viewer may see it; NOT_FOUND when they may not see it at all. */
    getLead(viewer: Viewer, id: number): LeadView {
      const lead = store.findLead(id);
      if (!lead) throw notFound('lead');
      const relation = viewer.role === 'ADMIN' || lead.ownerId === viewer.id
        ? { isUser: false, wasOffered: false }
        : store.relationOf(id, viewer.id);
      const access = leadAccess(viewer, lead, relation);
      if (access === 'NONE') throw notFound('lead');
      return { ...lead, access };
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
