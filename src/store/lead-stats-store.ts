// The dashboard's figures, aggregated in SQL over covering indexes (schema.ts): lead counts grouped
// by state, source and status in one pass; offer counts grouped by agent and state in one pass;
// and the durations at the ranks the percentiles need (window functions: nothing sorted in JS).
// Auto-accepted direct offers (direct, answered the instant they were made) were never offered to
// anyone: they are left out of every offer figure.
import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
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

    /** How many offers made in the range an agent accepted (the population of the accept percentiles). */
    acceptedCount(range: StatsRange): number {
      return db.select({ n: sql<number>`count(*)` }).from(offers)
        .where(and(eq(offers.state, 'ACCEPTED'), realOffer, ...offeredIn(range))).get()?.n ?? 0;
    },

    /**
     * Milliseconds from offer to acceptance at the given ranks (1-based, ascending) among the
     * accepted offers of the range. SQLite sorts and numbers them; only the asked-for ranks come back.
     */
    acceptMsAtRanks(range: StatsRange, ranks: readonly number[]): Map<number, number> {
      if (ranks.length === 0) return new Map();
      const ranked = db.select({
        ms: sql<number>`(${offers.respondedAt} - ${offers.offeredAt})`.as('ms'),
        rn: sql<number>`row_number() OVER (ORDER BY ${offers.respondedAt} - ${offers.offeredAt})`.as('rn'),
      }).from(offers).where(and(eq(offers.state, 'ACCEPTED'), realOffer, ...offeredIn(range))).as('ranked');
      const rows = db.select({ rn: ranked.rn, ms: ranked.ms }).from(ranked).where(inArray(ranked.rn, [...ranks])).all();
      return new Map(rows.map((r) => [Number(r.rn), Number(r.ms)]));
    },

    /**
     * Each agent's median milliseconds from offer to their answer (accept or decline), offers made
     * in the range. Ranks as in domain/percentiles.ts medianRanks: the mean of the one or two middle values.
     */
    agentMedianResponseMs(range: StatsRange): { agentId: number; ms: number }[] {
      const ranked = db.select({
        agentId: sql<number>`${offers.agentId}`.as('agent_id'),
        ms: sql<number>`(${offers.respondedAt} - ${offers.offeredAt})`.as('ms'),
        rn: sql<number>`row_number() OVER (PARTITION BY ${offers.agentId} ORDER BY ${offers.respondedAt} - ${offers.offeredAt})`.as('rn'),
        n: sql<number>`count(*) OVER (PARTITION BY ${offers.agentId})`.as('n'),
      }).from(offers)
        .where(and(sql`${offers.state} IN ('ACCEPTED', 'DECLINED')`, realOffer, ...offeredIn(range))).as('ranked');
      return db.select({ agentId: ranked.agentId, ms: sql<number>`avg(${ranked.ms})` }).from(ranked)
        .where(sql`${ranked.rn} IN ((${ranked.n} + 1) / 2, ${ranked.n} / 2 + 1)`)
        .groupBy(sql`${ranked.agentId}`).all().map((r) => ({ agentId: Number(r.agentId), ms: Number(r.ms) }));
    },
  };
}

export type LeadStatsStore = ReturnType<typeof createLeadStatsStore>;
