// Leads, offers, lead events and routing rounds. Named for the use case (claimOffer,
// expireDueOffers), not the table. Hot-path statements are prepared once when the store is made.
import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { AgentSnapshot, RoutingReason } from '../domain/routing.js';
import type { Db } from './database.js';
import { transaction } from './transaction.js';
import { preparedByShape } from './prepared-shapes.js';
import { cachedRoster } from './roster-cache.js';
import { decodeDecisions, encodeDecisions } from './routing-decisions.js';
import { leadEvents, leads, leadSources, leadUsers, offers, routingRounds, userOffices, users } from './schema.js';

export type LeadRow = typeof leads.$inferSelect;
export type NewLead = typeof leads.$inferInsert;
export type OfferRow = typeof offers.$inferSelect;
export type LeadEventRow = typeof leadEvents.$inferSelect;
export type NewLeadEvent = typeof leadEvents.$inferInsert;

export function createLeadStore(db: Db) {
  const leadById = db.select().from(leads).where(eq(leads.id, sql.placeholder('id'))).prepare();
  const offerById = db.select().from(offers).where(eq(offers.id, sql.placeholder('id'))).prepare();
  const byExternalId = db.select().from(leads)
    .where(and(eq(leads.sourceId, sql.placeholder('sourceId')), eq(leads.externalId, sql.placeholder('externalId'))))
    .prepare();
  // Every AGENT with their offices in one query: the roster a routing round is planned over, in id
  // order, so that planRound walks it from the anchor without sorting a copy per lead.
  const roster = db.select({
    id: users.id, active: users.active, inOffice: users.inOffice, haltedAt: users.haltedAt, haltUntil: users.haltUntil,
    officeIds: sql<string | null>`(SELECT group_concat(${userOffices.officeId}) FROM ${userOffices} WHERE ${userOffices.userId} = ${users.id})`,
  }).from(users).where(eq(users.role, 'AGENT')).orderBy(asc(users.id)).prepare();
  const offeredAgents = db.selectDistinct({ agentId: offers.agentId }).from(offers)
    .where(eq(offers.leadId, sql.placeholder('leadId'))).prepare();
  const pendingOfLead = db.select({ n: sql<number>`count(*)` }).from(offers)
    .where(and(eq(offers.leadId, sql.placeholder('leadId')), eq(offers.state, 'PENDING'))).prepare();
  const earliestDeadline = db.select({ at: sql<number | null>`min(${offers.expiresAt})` }).from(offers)
    .where(eq(offers.state, 'PENDING')).prepare();
  // The writes of routing, prepared once (prepared-shapes.ts for rows and patches whose columns vary).
  const leadsByIds = db.select().from(leads)
    .where(sql`${leads.id} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`).prepare();
  const sourceAnchor = db.update(leadSources).set({ rrLastAgentId: sql`${sql.placeholder('agentId')}` })
    .where(eq(leadSources.id, sql.placeholder('sourceId'))).prepare();
  const leadInsert = preparedByShape((v) => db.insert(leads).values(v as unknown as NewLead).returning().prepare());
  const leadUpdate = preparedByShape((v) => db.update(leads).set(v as unknown as Partial<NewLead>)
    .where(eq(leads.id, sql.placeholder('$id'))).returning().prepare());
  const offerInsert = preparedByShape((v) => db.insert(offers).values(v as unknown as typeof offers.$inferInsert).returning().prepare());
  const eventInsert = preparedByShape((v) => db.insert(leadEvents).values(v as unknown as NewLeadEvent).returning().prepare());
  const roundInsert = db.insert(routingRounds).values({
    leadId: sql.placeholder('leadId'), round: sql.placeholder('round'), at: sql.placeholder('at'),
    decisions: sql.placeholder('decisions'),
  }).prepare();
  // The race and its siblings: `nowMs` is both responded_at (stored in ms) and the window check.
  const answer = (state: 'ACCEPTED' | 'DECLINED') => db.update(offers)
    .set({ state, respondedAt: sql`${sql.placeholder('nowMs')}` })
    .where(and(eq(offers.id, sql.placeholder('offerId')), eq(offers.agentId, sql.placeholder('agentId')),
      eq(offers.state, 'PENDING'), sql`${offers.expiresAt} > ${sql.placeholder('nowMs')}`))
    .returning().prepare();
  const claim = answer('ACCEPTED');
  const decline = answer('DECLINED');
  const takeOthers = db.update(offers).set({ state: 'TAKEN', respondedAt: sql`${sql.placeholder('nowMs')}` })
    .where(and(eq(offers.leadId, sql.placeholder('leadId')), eq(offers.state, 'PENDING'))).returning().prepare();
  // The deadline batch: the oldest due PENDING offers become EXPIRED in one statement.
  const dueOffers = db.select({ id: offers.id }).from(offers)
    .where(and(eq(offers.state, 'PENDING'), sql`${offers.expiresAt} <= ${sql.placeholder('nowMs')}`))
    .orderBy(asc(offers.expiresAt)).limit(sql.placeholder('limit'));
  const expireDue = db.update(offers).set({ state: 'EXPIRED', respondedAt: sql`${sql.placeholder('nowMs')}` })
    .where(and(inArray(offers.id, dueOffers), eq(offers.state, 'PENDING'))).returning().prepare();
  const usersOfLead = db.select({ userId: leadUsers.userId }).from(leadUsers)
    .where(eq(leadUsers.leadId, sql.placeholder('leadId'))).orderBy(asc(leadUsers.userId)).prepare();

  return {
    setSourceAnchor(sourceId: number, agentId: number): void {
      sourceAnchor.run({ sourceId, agentId });
    },

    /** Every agent as routing sees them; cached until a user or their offices change (roster-cache.ts). */
    loadRoster(): readonly AgentSnapshot[] {
      return cachedRoster(db, () => roster.all().map((r) => ({
        id: r.id,
        active: r.active,
        inOffice: r.inOffice,
        haltedAt: r.haltedAt?.getTime() ?? null,
        haltUntil: r.haltUntil?.getTime() ?? null,
        officeIds: r.officeIds ? r.officeIds.split(',').map(Number) : [],
      })));
    },

    findLead: (id: number): LeadRow | null => leadById.get({ id }) ?? null,
    findLeads(ids: readonly number[]): LeadRow[] {
      if (ids.length === 0) return [];
      if (ids.length === 1) {
        const lead = leadById.get({ id: ids[0] });
        return lead ? [lead] : [];
      }
      return leadsByIds.all({ ids: JSON.stringify(ids) });
    },
    findLeadByExternalId: (sourceId: number, externalId: string): LeadRow | null =>
      byExternalId.get({ sourceId, externalId }) ?? null,

    insertLead(row: NewLead): LeadRow {
      const { statement, params } = leadInsert(row);
      const inserted = statement.get(params);
      if (!inserted) throw new Error('lead insert returned nothing');
      return inserted;
    },

    updateLead(id: number, patch: Partial<NewLead>): LeadRow {
      const { statement, params } = leadUpdate(patch);
      const row = statement.get({ ...params, $id: id });
      if (!row) throw new Error(`lead ${id} vanished inside its own transaction`);
      return row;
    },

    findOffer: (id: number): OfferRow | null => offerById.get({ id }) ?? null,
    offeredAgentIds: (leadId: number): Set<number> => new Set(offeredAgents.all({ leadId }).map((r) => r.agentId)),
    pendingOfferCount: (leadId: number): number => pendingOfLead.get({ leadId })?.n ?? 0,

    insertOffers(rows: (typeof offers.$inferInsert)[]): OfferRow[] {
      // One prepared insert per row, in the caller's transaction (routing always runs in one).
      return rows.map((row) => {
        const { statement, params } = offerInsert(row);
        const inserted = statement.get(params);
        if (!inserted) throw new Error('offer insert returned nothing');
        return inserted;
      });
    },

    /**
     * The race: one conditional UPDATE decides the winner. It changes the row only while the offer
     * is still PENDING and its window has not closed, so of many simultaneous accepts exactly one
     * gets a row back. Never a read followed by a write.
     */
    claimOffer(offerId: number, agentId: number, now: Date): OfferRow | null {
      return claim.get({ offerId, agentId, nowMs: now.getTime() }) ?? null;
    },

    /** Same shape as claimOffer: only a PENDING offer inside its window can be declined. */
    declineOffer(offerId: number, agentId: number, now: Date): OfferRow | null {
      return decline.get({ offerId, agentId, nowMs: now.getTime() }) ?? null;
    },

    /** After a win: every other PENDING offer of the lead becomes TAKEN. */
    takeOtherOffers(leadId: number, now: Date): OfferRow[] {
      return takeOthers.all({ leadId, nowMs: now.getTime() });
    },

    /** PENDING offers whose window has closed, oldest deadline first, at most `limit`, now EXPIRED. */
    expireDueOffers(now: Date, limit: number): OfferRow[] {
      return expireDue.all({ nowMs: now.getTime(), limit });
    },

    /** The earliest deadline of any PENDING offer (ms), or null: what the scheduler arms for. */
    earliestPendingDeadline: (): number | null => {
      const at = earliestDeadline.get()?.at;
      return at === null || at === undefined ? null : Number(at);
    },

    insertEvents(rows: NewLeadEvent[]): LeadEventRow[] {
      // One prepared insert per row, in the caller's transaction (every change runs in one).
      return rows.map((row) => {
        const { statement, params } = eventInsert(row);
        const inserted = statement.get(params);
        if (!inserted) throw new Error('lead event insert returned nothing');
        return inserted;
      });
    },

    insertRoutingRound(leadId: number, round: number, at: Date, decisions: [number, RoutingReason][]): void {
      roundInsert.run({ leadId, round, at, decisions: encodeDecisions(decisions) });
    },

    routingRounds(leadId: number): { round: number; at: Date; decisions: [number, RoutingReason][] }[] {
      return db.select().from(routingRounds).where(eq(routingRounds.leadId, leadId)).orderBy(asc(routingRounds.round))
        .all().map((r) => ({ round: r.round, at: r.at, decisions: decodeDecisions(r.decisions) }));
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
      return usersOfLead.all({ leadId }).map((r) => r.userId);
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

    transaction<T>(fn: () => T): T {
      return transaction(db, fn);
    },
  };
}

export type LeadStore = ReturnType<typeof createLeadStore>;
