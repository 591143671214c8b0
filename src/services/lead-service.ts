// Reading leads with the privacy rule applied: every lead handed to the API layer carries the
// viewer's access level, decided once by domain/routing.ts leadAccess.
import { notFound } from '../domain/errors.js';
import type { LeadVisibility } from '../domain/lead-visibility.js';
import { leadAccess, type LeadAccess } from '../domain/routing.js';
import type { Viewer } from '../domain/viewer.js';
import type { RoutingRound, Store } from '../store/port.js';
import type { LeadContactRow, LeadEventRow, LeadRow, OfferRow } from '../store/rows.js';
import type { Clock } from '../time/clock.js';

/** A lead with what the viewer may see of it (domain/lead-visibility.ts). */
export type LeadView = LeadRow & { access: LeadVisibility };

export function createLeadService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  const { leads } = store;

  async function accessOf(viewer: Viewer, lead: LeadRow): Promise<LeadAccess> {
    const relation = viewer.role === 'ADMIN' || lead.ownerId === viewer.id
      ? { isUser: false, wasOffered: false }
      : await leads.relationOf(lead.id, viewer.id);
    return leadAccess(viewer, lead, relation);
  }

  return {
    /** The lead as this viewer may see it; NOT_FOUND when they may not see it at all. */
    async getLead(viewer: Viewer, id: number): Promise<LeadView> {
      const lead = await leads.findLead(id);
      if (!lead) throw notFound('lead');
      const access = await accessOf(viewer, lead);
      if (access === 'NONE') throw notFound('lead');
      return { ...lead, access };
    },

    /** The lead as this viewer may see it, or null when they may not see it at all (or it is gone). */
    async visibleLead(viewer: Viewer, id: number): Promise<LeadView | null> {
      const lead = await leads.findLead(id);
      if (!lead) return null;
      const access = await accessOf(viewer, lead);
      return access === 'NONE' ? null : { ...lead, access };
    },

    /**
     * The lead a submission returns, as its submitter may see it: a receipt (id, kind, state, time)
     * unless they may see the lead anyway. So a replayed externalId shows nobody more than they
     * could already see.
     */
    async submittedLead(viewer: Viewer | null, lead: LeadRow): Promise<LeadView> {
      const access = viewer ? await accessOf(viewer, lead) : 'NONE';
      return { ...lead, access: access === 'NONE' ? 'RECEIPT' : access };
    },

    /** The viewer's offers still open, oldest first. */
    myPendingOffers(viewer: Viewer): Promise<OfferRow[]> {
      return leads.pendingOffersOfAgent(viewer.id, new Date(clock.now()));
    },

    findOffer: (id: number): Promise<OfferRow | null> => leads.findOffer(id),
    offersOfLead: (leadId: number): Promise<OfferRow[]> => leads.offersOfLead(leadId),
    eventsOfLead: (leadId: number): Promise<LeadEventRow[]> => leads.eventsOfLead(leadId),
    userIdsOfLead: (leadId: number): Promise<number[]> => leads.userIdsOfLead(leadId),
    /** The lead's logged contacts, oldest first (who may see them: the Lead's visibility, field-access.ts). */
    contactsOfLead: (leadId: number): Promise<LeadContactRow[]> => store.leadWork.contactsOfLead(leadId),
    routingRounds: (leadId: number, only: number | 'LAST' | null = null): Promise<RoutingRound[]> => leads.routingRounds(leadId, only),
    findLeads: (ids: readonly number[]): Promise<LeadRow[]> => leads.findLeads(ids),
  };
}

export type LeadService = ReturnType<typeof createLeadService>;
