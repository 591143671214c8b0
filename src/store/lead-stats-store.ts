// The dashboard's figures, aggregated in SQL over covering indexes (schema.ts): lead counts grouped
// by state, source and status in one pass; offer counts grouped by agent and state in one pass;
// and the response durations the percentiles are taken from.
// Auto-accepted direct offers (direct, answered the instant they were made) were never offered to
// anyone: they are left out of every offer figure.
import { and, asc, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './database.js';
import { leads, offers } from './schema.js';

export interface StatsRange {
  /** Inclusive. */
  from: Date | null;
  /** Exclusive. */
  to: Date | null;
}

/** An offer an agent answered or could have answered: not an auto-accepted direct lead. */
const realOffer = sql`NOT (${offers.direct} = 1 AND ${offers.respondedAt} = ${offers.offeredAt})`;

function offeredIn(range: StatsRange): (SQL | undefined)[] {
  return [
    range.from ? gte(offers.offeredAt, range.from) : undefined,
    range.to ? lt(offers.offeredAt, range.to) : undefined,
  ];
}

export function createLeadStatsStore(db: Db) {
  return {
    /** Lead counts per (state, source, status code), leads created in the range. */
    leadCounts(range: StatsRange): { state: string; sourceId: number; statusCodeId: number | null; n: number }[] {
      return db.select({
        state: leads.state, sourceId: leads.sourceId, statusCodeId: leads.statusCodeId, n: sql<number>`count(*)`,
      }).from(leads)
        .where(and(range.from ? gte(leads.createdAt, range.from) : undefined, range.to ? lt(leads.createdAt, range.to) : undefined))
        .groupBy(leads.state, leads.sourceId, leads.statusCodeId).all();
    },

    /** Offer counts per (agent, state), offers made in the range. */
    offerCounts(range: StatsRange): { agentId: number; state: string; n: number }[] {
      return db.select({ agentId: offers.agentId, state: offers.state, n: sql<number>`count(*)` }).from(offers)
        .where(and(realOffer, ...offeredIn(range)))
        .groupBy(offers.agentId, offers.state).all();
    },

    /**
     * Milliseconds from offer to answer of every ACCEPTED or DECLINED offer made in the range, per
     * agent, ascending within each agent.
     */
    responseTimes(range: StatsRange): { agentId: number; accepted: boolean; ms: number }[] {
      const ms = sql<number>`(${offers.respondedAt} - ${offers.offeredAt})`;
      return db.select({ agentId: offers.agentId, accepted: sql<boolean>`${offers.state} = 'ACCEPTED'`.mapWith(Boolean), ms })
        .from(offers)
        .where(and(sql`${offers.state} IN ('ACCEPTED', 'DECLINED')`, realOffer, ...offeredIn(range)))
        .orderBy(asc(offers.agentId), asc(ms)).all();
    },
  };
}

export type LeadStatsStore = ReturnType<typeof createLeadStatsStore>;
