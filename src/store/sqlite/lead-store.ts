// Leads, offers, lead events and routing rounds. Named for the use case (claimOffer,
// expireDueOffers), not the table. Hot-path statements are prepared once when the store is made.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { AgentSnapshot } from '../../domain/routing.js';
import type { LockedLead, NextRoundWrite, Rotation, RoundAlternative, RoundWrite, WrittenRound } from '../port.js';
import type { SqliteConnection } from './connection.js';
import { preparedInsert, preparedReturning, preparedSelect, preparedUpdateById } from './prepared-shapes.js';
import { cachedRoster } from './roster-cache.js';
import { decodeDecisions, encodeDecisions, type Decisions } from '../routing-decisions.js';
import { agentSnapshot } from '../roster-rows.js';
import { leadEvents, leads, leadSources, leadUsers, notifications, offers, routingRounds, settings, userOffices, users } from './schema.js';

type LeadRow = typeof leads.$inferSelect;
type NewLead = typeof leads.$inferInsert;
type OfferRow = typeof offers.$inferSelect;
type LeadEventRow = typeof leadEvents.$inferSelect;
type NewLeadEvent = typeof leadEvents.$inferInsert;

export function createLeadStore(conn: SqliteConnection) {
  const { db, client } = conn;
  // The routing hot path's statements run on the connection itself (prepared-shapes.ts): built from
  // the schema once, bound by position, decoded by one loop.
  const leadById = preparedSelect(db, leads, 'WHERE id = ?');
  const leadsByIds = preparedSelect(db, leads, 'WHERE id IN (SELECT value FROM json_each(?))');
  const offerById = preparedSelect(db, offers, 'WHERE id = ?');
  const byExternalId = preparedSelect(db, leads, 'WHERE source_id = ? AND external_id = ?');
  // Every AGENT with their offices in one query: the roster a routing round is planned over, in id
  // order, so that planRound walks it from the anchor without sorting a copy per lead.
  const roster = db.select({
    id: users.id, active: users.active, inOffice: users.inOffice, haltedAt: users.haltedAt, haltUntil: users.haltUntil,
    officeIds: sql<string | null>`(SELECT group_concat(${userOffices.officeId}) FROM ${userOffices} WHERE ${userOffices.userId} = ${users.id})`,
    timeZone: users.timeZone, workingHours: users.workingHours, routingWeight: users.routingWeight,
    dailyLeadCap: users.dailyLeadCap, serviceAreas: users.serviceAreas,
    companyTimeZone: sql<string | null>`(SELECT ${settings.timeZone} FROM ${settings} WHERE ${settings.id} = 1)`,
  }).from(users).where(eq(users.role, 'AGENT')).orderBy(asc(users.id)).prepare();
  const offeredAgents = client.prepare('SELECT DISTINCT agent_id FROM offers WHERE lead_id = ?').pluck();
  const pendingOfLead = client.prepare("SELECT count(*) FROM offers WHERE lead_id = ? AND state = 'PENDING'").pluck();
  const earliestDeadline = client.prepare("SELECT min(expires_at) FROM offers WHERE state = 'PENDING'").pluck();
  const sourceAnchor = client.prepare('UPDATE lead_sources SET rr_last_agent_id = ? WHERE id = ?');
  const readRotation = client.prepare('SELECT rr_last_agent_id AS anchor, rr_credits AS credits FROM lead_sources WHERE id = ?');
  // writeRound's compare-and-set (one writer at a time here: it fails only after a savepoint undid a round).
  const moveRotation = client.prepare(`UPDATE lead_sources SET rr_last_agent_id = ?, rr_credits = ?
    WHERE id = ? AND rr_last_agent_id IS ? AND rr_credits IS ?`);
  // Wins of GENERAL leads (accepted, not direct) since a time: what a daily cap counts. Served by
  // offers_agent_stats (agent_id, state, …).
  const winsSince = client.prepare(`SELECT agent_id AS agentId, responded_at AS at FROM offers
    WHERE agent_id IN (SELECT value FROM json_each(?)) AND state = 'ACCEPTED' AND direct = 0 AND responded_at >= ?`);
  const leadInsert = preparedInsert(db, leads);
  const leadUpdate = preparedUpdateById(db, leads);
  const offerInsert = preparedInsert(db, offers);
  const eventInsert = preparedInsert(db, leadEvents);
  const messageInsert = preparedInsert(db, notifications);
  const roundInsert = client.prepare('INSERT INTO routing_rounds (lead_id, round, at, decisions) VALUES (?, ?, ?, ?)');
  // The race and its siblings: the time (ms) is both responded_at and the window check.
  const answer = (state: 'ACCEPTED' | 'DECLINED') => preparedReturning(db, offers,
    `UPDATE offers SET state = '${state}', responded_at = @nowMs
     WHERE id = @offerId AND agent_id = @agentId AND state = 'PENDING' AND expires_at > @nowMs`);
  const claim = answer('ACCEPTED');
  const decline = answer('DECLINED');
  const takeOthers = preparedReturning(db, offers,
    "UPDATE offers SET state = 'TAKEN', responded_at = @nowMs WHERE lead_id = @leadId AND state = 'PENDING'");
  // The deadline batch: the oldest due PENDING offers become EXPIRED in one statement.
  const expireDue = preparedReturning(db, offers,
    `UPDATE offers SET state = 'EXPIRED', responded_at = @nowMs
     WHERE id IN (SELECT id FROM offers WHERE state = 'PENDING' AND expires_at <= @nowMs ORDER BY expires_at LIMIT @limit)
       AND state = 'PENDING'`);
  // An agent's open offers closed at once (deactivation), and one agent's open offer of a lead made
  // theirs (an admin gave them the lead): neither waits for the window.
  const expireOfAgent = preparedReturning(db, offers,
    "UPDATE offers SET state = 'EXPIRED', responded_at = @nowMs WHERE agent_id = @agentId AND state = 'PENDING'");
  const acceptFor = preparedReturning(db, offers,
    `UPDATE offers SET state = 'ACCEPTED', responded_at = @nowMs
     WHERE lead_id = @leadId AND agent_id = @agentId AND state = 'PENDING'`);
  const usersOfLead = client.prepare('SELECT user_id FROM lead_users WHERE lead_id = ? ORDER BY user_id').pluck();
  // Contact deadlines (leads.contact_due_at, partial index leads_contact_due): claimed by clearing.
  const claimContactDue = preparedReturning(db, leads,
    `UPDATE leads SET contact_due_at = NULL
     WHERE id IN (SELECT id FROM leads WHERE contact_due_at <= @nowMs ORDER BY contact_due_at LIMIT @limit)`);
  const markReclaimed = preparedReturning(db, offers,
    `UPDATE offers SET reclaimed_at = @nowMs WHERE lead_id = @leadId AND state = 'ACCEPTED' AND reclaimed_at IS NULL`);
  const earliestContactDue = client.prepare('SELECT min(contact_due_at) FROM leads WHERE contact_due_at IS NOT NULL').pluck();
  // Returning clients: one probe per index, newest first, stopping at the first lead whose owner is active.
  const repeatByEmail = client.prepare(`SELECT l.id AS leadId, l.owner_id AS ownerId FROM leads l INDEXED BY leads_email_id
     JOIN users u ON u.id = l.owner_id
     WHERE l.email = ? AND l.owner_id IS NOT NULL AND u.active = 1 ORDER BY l.id DESC LIMIT 1`);
  const repeatByPhone = client.prepare(`SELECT l.id AS leadId, l.owner_id AS ownerId FROM leads l INDEXED BY leads_phone_id
     JOIN users u ON u.id = l.owner_id
     WHERE l.phone = ? AND l.owner_id IS NOT NULL AND u.active = 1 ORDER BY l.id DESC LIMIT 1`);

  function findLeads(ids: readonly number[]): LeadRow[] {
    if (ids.length === 0) return [];
    if (ids.length === 1) {
      const lead = leadById.get(ids[0]);
      return lead ? [lead] : [];
    }
    return leadsByIds.all(JSON.stringify(ids));
  }

  const leadStore = {
    /** The source's rotation (one writer at a time on SQLite: no lock to take). */
    readRotation(sourceId: number): Rotation {
      const row = readRotation.get(sourceId) as Rotation | undefined;
      return { anchor: row?.anchor ?? null, credits: row?.credits ?? null };
    },

    setSourceAnchor(sourceId: number, agentId: number): void {
      sourceAnchor.run(agentId, sourceId);
    },

    /** Every agent as routing sees them; cached until a user or their offices change (roster-cache.ts). */
    loadRoster(): readonly AgentSnapshot[] {
      return cachedRoster(conn, () => roster.all().map((r) => agentSnapshot({
        ...r,
        haltedAt: r.haltedAt?.getTime() ?? null,
        haltUntil: r.haltUntil?.getTime() ?? null,
        officeIds: r.officeIds ? r.officeIds.split(',').map(Number) : [],
      })));
    },

    /** Every GENERAL lead these agents won at or after `since`: the agent and when (ms). */
    generalWinsSince(agentIds: readonly number[], since: Date): { agentId: number; at: number }[] {
      if (agentIds.length === 0) return [];
      return (winsSince.all(JSON.stringify(agentIds), since.getTime()) as { agentId: number; at: number }[])
        .map((r) => ({ agentId: r.agentId, at: Number(r.at) }));
    },

    findLead: (id: number): LeadRow | null => leadById.get(id),
    /** One writer at a time on SQLite: reading it is enough. */
    lockLead: (id: number): LeadRow | null => leadById.get(id),
    findLeads,
    findLeadByExternalId: (sourceId: number, externalId: string): LeadRow | null =>
      byExternalId.get(sourceId, externalId),

    insertLead: (row: NewLead): LeadRow => leadInsert(row),

    updateLead(id: number, patch: Partial<NewLead>): LeadRow {
      const row = leadUpdate(id, patch);
      if (!row) throw new Error(`lead ${id} vanished inside its own transaction`);
      return row;
    },

    findOffer: (id: number): OfferRow | null => offerById.get(id),
    offeredAgentIds: (leadId: number): Set<number> => new Set(offeredAgents.all(leadId) as number[]),
    /** One writer: the expiry, then the lock (port.ts expireDueOffersLocking). */
    expireDueOffersLocking(now: Date, limit: number): { expired: OfferRow[]; locked: LockedLead[] } {
      const expired = leadStore.expireDueOffers(now, limit);
      return { expired, locked: leadStore.lockLeadsWithPending(expired.map((o) => o.leadId)) };
    },

    lockLeadsWithPending(ids: readonly number[]): LockedLead[] {
      // One writer: reading is locking. Few ids (a batch of expiries), each a few indexed reads.
      return [...new Set(ids)].sort((a, b) => a - b).flatMap((id) => {
        const lead = leadById.get(id);
        return lead ? [{ lead, pending: pendingOfLead.get(id) as number, offered: new Set(offeredAgents.all(id) as number[]), userIds: usersOfLead.all(id) as number[] }] : [];
      });
    },

    insertOffers(rows: (typeof offers.$inferInsert)[]): OfferRow[] {
      // One prepared insert per row, in the caller's transaction (routing always runs in one).
      return rows.map(offerInsert);
    },

    /**
     * The race: one conditional UPDATE decides the winner. It changes the row only while the offer
     * is still PENDING and its window has not closed, so of many simultaneous accepts exactly one
     * gets a row back. Never a read followed by a write.
     */
    claimOffer(offerId: number, agentId: number, now: Date): OfferRow | null {
      return claim.get({ offerId, agentId, nowMs: now.getTime() });
    },

    /** Same shape as claimOffer: only a PENDING offer inside its window can be declined. */
    declineOffer(offerId: number, agentId: number, now: Date): OfferRow | null {
      return decline.get({ offerId, agentId, nowMs: now.getTime() });
    },

    /** After a win: every other PENDING offer of the lead becomes TAKEN. */
    takeOtherOffers(leadId: number, now: Date): OfferRow[] {
      return takeOthers.all({ leadId, nowMs: now.getTime() });
    },

    /** Every PENDING offer of the agent, now EXPIRED whatever its window (the agent was deactivated). */
    expireOffersOfAgent(agentId: number, now: Date): OfferRow[] {
      return expireOfAgent.all({ agentId, nowMs: now.getTime() });
    },

    /**
     * The agent's PENDING offer of the lead, now ACCEPTED (an admin made them its owner), or null when
     * they hold none. Conditional like claimOffer, without the window: the admin decided, not a race.
     */
    acceptOfferFor(leadId: number, agentId: number, now: Date): OfferRow | null {
      return acceptFor.get({ leadId, agentId, nowMs: now.getTime() });
    },

    /** PENDING offers whose window has closed, oldest deadline first, at most `limit`, now EXPIRED. */
    expireDueOffers(now: Date, limit: number): OfferRow[] {
      return expireDue.all({ nowMs: now.getTime(), limit });
    },

    /** The earliest deadline of any PENDING offer (ms), or null: what the scheduler arms for. */
    earliestPendingDeadline: (): number | null => {
      const at = earliestDeadline.get() as number | null;
      return at === null ? null : Number(at);
    },

    claimDueContactDeadlines(now: Date, limit: number): LeadRow[] {
      // One writer at a time on SQLite: clearing the deadline in this transaction is the claim.
      return claimContactDue.all({ nowMs: now.getTime(), limit });
    },

    markAcceptedOfferReclaimed(leadId: number, now: Date): OfferRow | null {
      return markReclaimed.get({ leadId, nowMs: now.getTime() });
    },

    earliestContactDeadline(): number | null {
      const at = earliestContactDue.get() as number | null;
      return at === null ? null : Number(at);
    },

    /** In-process, two index probes cost microseconds: the two reads above, in this one call. */
    earliestDeadlines(): { offer: number | null; contact: number | null } {
      const offer = earliestDeadline.get() as number | null;
      const contact = earliestContactDue.get() as number | null;
      return { offer: offer === null ? null : Number(offer), contact: contact === null ? null : Number(contact) };
    },

    findRepeatOwner(email: string | null, phone: string | null): { leadId: number; ownerId: number } | null {
      type Match = { leadId: number; ownerId: number } | undefined;
      const byEmail = email === null ? undefined : repeatByEmail.get(email) as Match;
      const byPhone = phone === null ? undefined : repeatByPhone.get(phone) as Match;
      // The newer of the two: the client's latest lead is the one whose owner knows them now.
      const best = byEmail && byPhone ? (byEmail.leadId > byPhone.leadId ? byEmail : byPhone) : byEmail ?? byPhone;
      return best ?? null;
    },

    insertEvents(rows: NewLeadEvent[]): LeadEventRow[] {
      // One prepared insert per row, in the caller's transaction (every change runs in one).
      return rows.map(eventInsert);
    },

    insertRoutingRound(leadId: number, round: number, at: Date, decisions: Decisions): void {
      roundInsert.run(leadId, round, at.getTime(), encodeDecisions(decisions));
    },

    /** One writer at a time: a rotation is checked as the round is written (port.ts writeRound). */
    checksRotationAtCommit(): boolean {
      return false;
    },

    /** Statement by statement: in-process, each costs microseconds (port.ts says why PostgreSQL's is one). */
    writeRound(write: RoundWrite): WrittenRound | { moved: Rotation } {
      const { rotation } = write;
      // The round as planned, or the alternative planned from the rotation found (port.ts RoundAlternative).
      let chosen: { index: number; alt: RoundAlternative } | null = null;
      if (rotation) {
        const { read, next } = rotation;
        if (moveRotation.run(next.anchor, next.credits, rotation.sourceId, read.anchor, read.credits).changes === 0) {
          const row = readRotation.get(rotation.sourceId) as Rotation | undefined;
          if (!row) throw new Error(`lead source ${rotation.sourceId} vanished inside a routing transaction`);
          const index = row.credits === read.credits ? (write.alternatives ?? []).findIndex((a) => a.from === row.anchor) : -1;
          const alt = write.alternatives?.[index];
          if (!alt) return { moved: row };
          moveRotation.run(alt.next, next.credits, rotation.sourceId, row.anchor, row.credits);
          chosen = { index, alt };
        }
      }
      const patch = chosen ? { ...write.patch, routingAnchor: chosen.alt.routingAnchor } : write.patch;
      // A new lead is inserted with the patch: nothing to update after.
      const lead = 'insert' in write.lead ? leadInsert({ ...write.lead.insert, ...patch }) : leadUpdate(write.lead.id, patch);
      if (!lead) throw new Error(`lead ${'insert' in write.lead ? '(new)' : write.lead.id} vanished inside its own transaction`);
      roundInsert.run(lead.id, write.round, write.at.getTime(), encodeDecisions(chosen?.alt.decisions ?? write.decisions));
      const made = (chosen?.alt.offers ?? write.offers).map((o) => offerInsert({ ...o, leadId: lead.id }));
      const events = [
        ...write.events,
        ...write.leadEvents.map((e) => ({ ...e, leadId: lead.id })),
        ...made.map((o) => ({ leadId: o.leadId, type: 'OFFERED' as const, at: write.at, agentId: o.agentId, offerId: o.id })),
      ].map(eventInsert);
      // Each message goes with the offer to its user (a round offers an agent the lead once).
      const offerOf = new Map(made.map((o) => [o.agentId, o]));
      // Messages for the agents of the alternatives not written are not written either.
      const offeredSomewhere = new Set([write.offers, ...(write.alternatives ?? []).map((a) => a.offers)].flat().map((o) => o.agentId));
      const messages = (write.messages ?? []).flatMap((m) => {
        const offer = offerOf.get(m.userId);
        if (!offer && !offeredSomewhere.has(m.userId)) throw new Error(`a round's message is for agent ${m.userId}, who has no offer in it`);
        return offer ? [messageInsert({ ...m, leadId: lead.id, offerId: offer.id })] : [];
      });
      return { lead, offers: made, events, messages, ...(chosen ? { alternative: chosen.index } : {}) };
    },

    /** Round by round (each costs microseconds here): the events first, with the first round. */
    writeRounds(at: Date, events: NewLeadEvent[], rounds: readonly NextRoundWrite[]): WrittenRound[] {
      return rounds.map((r, i) => {
        const written = leadStore.writeRound({ ...r, at, rotation: null, events: i === 0 ? events : [] });
        if ('moved' in written) throw new Error('a round without a rotation was refused');
        return written;
      });
    },

    /** One round's decisions as stored (routing-decisions.ts), or null: what the round's log line counts. */
    routingRoundDecisions(leadId: number, round: number): string | null {
      return db.select({ decisions: routingRounds.decisions }).from(routingRounds)
        .where(and(eq(routingRounds.leadId, leadId), eq(routingRounds.round, round))).get()?.decisions ?? null;
    },

    /** A lead's routing rounds in order; `only`: that round, or the last one (none when it has no such round). */
    routingRounds(leadId: number, only: number | 'LAST' | null = null): { round: number; at: Date; decisions: Decisions }[] {
      const query = db.select().from(routingRounds)
        .where(and(eq(routingRounds.leadId, leadId), typeof only === 'number' ? eq(routingRounds.round, only) : undefined))
        .orderBy(only === 'LAST' ? desc(routingRounds.round) : asc(routingRounds.round));
      return (only === 'LAST' ? query.limit(1) : query).all()
        .map((r) => ({ round: r.round, at: r.at, decisions: decodeDecisions(r.decisions) }));
    },

    offersOfLead(leadId: number): OfferRow[] {
      return db.select().from(offers).where(eq(offers.leadId, leadId)).orderBy(asc(offers.id)).all();
    },

    eventsOfLead(leadId: number): LeadEventRow[] {
      return db.select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(asc(leadEvents.id)).all();
    },

    pendingOffersOfAgent(agentId: number, now: Date): OfferRow[] {
      return db.select().from(offers)
        .where(and(eq(offers.agentId, agentId), eq(offers.state, 'PENDING'), sql`${offers.expiresAt} > ${now.getTime()}`))
        .orderBy(asc(offers.offeredAt), asc(offers.id)).all();
    },

    userIdsOfLead(leadId: number): number[] {
      return usersOfLead.all(leadId) as number[];
    },

    leadsWithUsers(ids: readonly number[]): { lead: LeadRow; userIds: number[] }[] {
      return findLeads(ids).map((lead) => ({ lead, userIds: usersOfLead.all(lead.id) as number[] }));
    },

    /** Which of these leads each has this agent as a user, or an offer to them (for access checks). */
    relationOf(leadId: number, agentId: number): { isUser: boolean; wasOffered: boolean } {
      const isUser = db.select({ x: leadUsers.leadId }).from(leadUsers)
        .where(and(eq(leadUsers.leadId, leadId), eq(leadUsers.userId, agentId))).get() !== undefined;
      const wasOffered = db.select({ x: offers.id }).from(offers)
        .where(and(eq(offers.leadId, leadId), eq(offers.agentId, agentId))).limit(1).get() !== undefined;
      return { isUser, wasOffered };
    },

    /** Leads currently routing with no PENDING offer (e.g. a crash between rounds): resumed at start. */
    stalledRoutingLeads(): LeadRow[] {
      return db.select().from(leads).where(and(eq(leads.state, 'ROUTING'),
        sql`NOT EXISTS (SELECT 1 FROM ${offers} WHERE ${offers.leadId} = ${leads.id} AND ${offers.state} = 'PENDING')`))
        .orderBy(desc(leads.id)).all();
    },
  };
  return leadStore;
}

