// Working a lead after it is won: status, owner, users, and the unassigned pool. Each change is one
// transaction through leadChanges, so its lead events commit with it and go live after commit.
import { badInput, forbidden, notFound } from '../domain/errors.js';
import { leadRole, mayChange, type LeadChange } from '../domain/lead-work.js';
import { optionalText } from '../domain/validation.js';
import type { Viewer } from '../domain/viewer.js';
import type { Stores } from '../store/port.js';
import type { ContactKind, LeadRow } from '../store/rows.js';
import type { LeadView } from './lead-service.js';
import type { LeadChanges } from './lead-changes.js';

/** Notes are free text kept on the event; long enough for a sentence or two of context. */
const NOTE_MAX = 2000;

export function createLeadWorkService(deps: { changes: LeadChanges }) {
  const { changes } = deps;

  /**
   * Reads the lead inside the caller's transaction (`tx`) and refuses the change unless the rules
   * allow it. The lead is read locked (lockLead): what the change decides from it (routing or
   * assigned, its owner) cannot change under it on another instance before it commits.
   */
  async function authorize(tx: Stores, viewer: Viewer, leadId: number, change: LeadChange): Promise<LeadRow> {
    const lead = await tx.leads.lockLead(leadId);
    if (!lead) throw notFound('lead');
    const relation = viewer.role === 'ADMIN' || lead.ownerId === viewer.id
      ? { isUser: false, wasOffered: false }
      : await tx.leads.relationOf(leadId, viewer.id);
    const verdict = mayChange(leadRole(viewer, lead, relation), change, await tx.org.getSettings());
    if (verdict === 'NOT_FOUND') throw notFound('lead');
    if (verdict === 'FORBIDDEN') throw forbidden(refusal(change));
    return lead;
  }

  function refusal(change: LeadChange): string {
    switch (change) {
      case 'SET_STATUS': return "only an admin or the lead's owner or users may set its status";
      case 'LOG_CONTACT': return "only an admin or the lead's owner or users may log a contact with its client";
      case 'CHANGE_OWNER': return "only an admin, or the lead's owner where the company settings allow, may change its owner";
      case 'CHANGE_USERS': return "only an admin, or the lead's owner where the company settings allow, may change its users";
      case 'RETURN_TO_BROKER': return 'only an admin may return a lead to the unassigned pool';
    }
  }

  /** Owners and users must be active users: a deactivated user could not work the lead. */
  async function requireActiveUser(tx: Stores, userId: number): Promise<void> {
    const user = await tx.identity.findUser(userId);
    if (!user) throw badInput('userId', 'no such user');
    if (!user.active) throw badInput('userId', 'the user is deactivated');
  }

  const full = (lead: LeadRow): LeadView => ({ ...lead, access: 'FULL' });

  return {
    /** Owner, users and admins set the status; an archived code cannot be chosen. */
    setLeadStatus(viewer: Viewer, leadId: number, statusCodeId: number): Promise<LeadView> {
      return changes.run(async (set, now) => {
        const { tx } = set;
        const lead = await authorize(tx, viewer, leadId, 'SET_STATUS');
        const code = await tx.statusCodes.findStatusCode(statusCodeId);
        if (!code) throw badInput('statusCodeId', 'no such status code');
        if (code.archived) throw badInput('statusCodeId', `"${code.name}" is archived and cannot be chosen`);
        if (lead.statusCodeId === code.id) return full(lead);
        // A status change is work on the lead: the owner's contact deadline, if running, is met.
        const updated = await tx.leads.updateLead(lead.id, { statusCodeId: code.id, contactDueAt: null });
        await set.addEvents([{ leadId: lead.id, type: 'STATUS_CHANGED', at: now, actorId: viewer.id, statusCodeId: code.id }]);
        return full(updated);
      });
    },

    /**
     * The owner, a user or an admin records reaching out to the client: a contact row, a CONTACTED event
     * (its note the one given), lastContactAt, and the owner's contact deadline (if running) is met.
     */
    logContact(viewer: Viewer, leadId: number, kind: ContactKind, rawNote: string | null | undefined): Promise<LeadView> {
      const note = optionalText('note', rawNote, NOTE_MAX);
      return changes.run(async (set, now) => {
        const { tx } = set;
        const lead = await authorize(tx, viewer, leadId, 'LOG_CONTACT');
        await tx.leadWork.insertContact({ leadId: lead.id, kind, note, at: now, byUserId: viewer.id });
        const updated = await tx.leads.updateLead(lead.id, { lastContactAt: now, contactDueAt: null });
        await set.addEvents([{ leadId: lead.id, type: 'CONTACTED', at: now, actorId: viewer.id, agentId: viewer.id, note }]);
        return full(updated);
      });
    },

    /**
     * Hands the lead to another active user. On an UNASSIGNED lead this assigns it; on a ROUTING
     * lead (only an admin can, as it has no owner yet) it also ends the race: the new owner's own
     * pending offer, if they hold one, becomes ACCEPTED (they are sent the contact details, as on
     * an accept), every other pending offer TAKEN, and their agents are told. A new owner who was a
     * user of the lead stops being one.
     */
    setLeadOwner(viewer: Viewer, leadId: number, userId: number, rawNote: string | null | undefined): Promise<LeadView> {
      const note = optionalText('note', rawNote, NOTE_MAX);
      return changes.run(async (set, now) => {
        const { tx } = set;
        const lead = await authorize(tx, viewer, leadId, 'CHANGE_OWNER');
        await requireActiveUser(tx, userId);
        if (lead.ownerId === userId) return full(lead);
        set.lostBy(lead.id, [lead.ownerId]);
        await tx.leadWork.removeLeadUser(lead.id, userId);
        if (lead.state === 'ASSIGNED') {
          // The contact deadline bound the winner of the race; an owner chosen by hand is not raced for.
          const updated = await tx.leads.updateLead(lead.id, { ownerId: userId, contactDueAt: null });
          await set.addEvents([{ leadId: lead.id, type: 'OWNER_CHANGED', at: now, actorId: viewer.id, agentId: userId, note }]);
          return full(updated);
        }
        // Before the others are taken: the new owner's offer ends as theirs, not "taken by another agent".
        const theirs = await tx.leads.acceptOfferFor(lead.id, userId, now);
        if (theirs) set.offerChanged('ACCEPTED', theirs, 'ASSIGNED_BY_ADMIN');
        for (const offer of await tx.leads.takeOtherOffers(lead.id, now)) set.offerChanged('TAKEN', offer);
        const updated = await tx.leads.updateLead(lead.id, { ownerId: userId, state: 'ASSIGNED', assignedAt: now });
        await set.addEvents([
          { leadId: lead.id, type: 'OWNER_CHANGED', at: now, actorId: viewer.id, agentId: userId, note },
          { leadId: lead.id, type: 'ASSIGNED', at: now, actorId: viewer.id, agentId: userId },
        ]);
        return full(updated);
      });
    },

    /**
     * ADMIN: the lead leaves its owner and users for the unassigned pool. A lead still routing
     * stops routing (its pending offers are closed as TAKEN). Already unassigned: nothing changes.
     */
    returnLeadToBroker(viewer: Viewer, leadId: number, rawNote: string | null | undefined): Promise<LeadView> {
      const note = optionalText('note', rawNote, NOTE_MAX);
      return changes.run(async (set, now) => {
        const { tx } = set;
        const lead = await authorize(tx, viewer, leadId, 'RETURN_TO_BROKER');
        if (lead.state === 'UNASSIGNED') return full(lead);
        for (const offer of await tx.leads.takeOtherOffers(lead.id, now)) set.offerChanged('TAKEN', offer);
        set.lostBy(lead.id, [lead.ownerId, ...await tx.leads.userIdsOfLead(lead.id)]);
        await tx.leadWork.clearLeadUsers(lead.id);
        const updated = await tx.leads.updateLead(lead.id, { state: 'UNASSIGNED', ownerId: null, assignedAt: null, contactDueAt: null });
        await set.addEvents([{ leadId: lead.id, type: 'UNASSIGNED', at: now, actorId: viewer.id, agentId: lead.ownerId, note }]);
        return full(updated);
      });
    },

    /** Adds an active user to an owned lead. Adding someone already on it changes nothing. */
    addLeadUser(viewer: Viewer, leadId: number, userId: number, rawNote: string | null | undefined): Promise<LeadView> {
      const note = optionalText('note', rawNote, NOTE_MAX);
      return changes.run(async (set, now) => {
        const { tx } = set;
        const lead = await authorize(tx, viewer, leadId, 'CHANGE_USERS');
        if (lead.ownerId === null) throw badInput('leadId', 'the lead has no owner to work it with');
        await requireActiveUser(tx, userId);
        if (lead.ownerId === userId) throw badInput('userId', 'the user owns this lead');
        if (await tx.leadWork.addLeadUser(lead.id, userId)) {
          await set.addEvents([{ leadId: lead.id, type: 'USER_ADDED', at: now, actorId: viewer.id, agentId: userId, note }]);
        }
        return full(lead);
      });
    },

    removeLeadUser(viewer: Viewer, leadId: number, userId: number, rawNote: string | null | undefined): Promise<LeadView> {
      const note = optionalText('note', rawNote, NOTE_MAX);
      return changes.run(async (set, now) => {
        const { tx } = set;
        const lead = await authorize(tx, viewer, leadId, 'CHANGE_USERS');
        set.lostBy(lead.id, [userId]);
        if (!await tx.leadWork.removeLeadUser(lead.id, userId)) throw badInput('userId', 'not a user of this lead');
        await set.addEvents([{ leadId: lead.id, type: 'USER_REMOVED', at: now, actorId: viewer.id, agentId: userId, note }]);
        return full(lead);
      });
    },
  };
}

export type LeadWorkService = ReturnType<typeof createLeadWorkService>;
