// The lead management dashboard (ADMIN): leads by state, source and status; offers made and how
// they ended; how fast agents accept, overall and per agent. Figures come from the store's grouped
// queries; the percentiles are read at ranks from domain/percentiles.ts.
import { medianRanks, nearestRank } from '../domain/percentiles.js';
import type { LeadStatsStore, StatsRange } from '../store/lead-stats-store.js';

export type LeadStateName = 'ROUTING' | 'ASSIGNED' | 'UNASSIGNED';
const STATES: readonly LeadStateName[] = ['ROUTING', 'ASSIGNED', 'UNASSIGNED'];

export interface OfferTotals {
  made: number;
  pending: number;
  accepted: number;
  declined: number;
  expired: number;
  taken: number;
}

export interface AgentStats extends Omit<OfferTotals, 'made'> {
  agentId: number;
  received: number;
  /** Median seconds from offer to the agent's answer (accept or decline); null without answers. */
  medianResponseSeconds: number | null;
}

export interface LeadStatsResult {
  total: number;
  byState: { state: LeadStateName; count: number }[];
  bySource: { sourceId: number; count: number }[];
  byStatus: { statusCodeId: number; count: number }[];
  offers: OfferTotals;
  medianSecondsToAccept: number | null;
  p90SecondsToAccept: number | null;
  perAgent: AgentStats[];
}

const emptyTotals = (): OfferTotals => ({ made: 0, pending: 0, accepted: 0, declined: 0, expired: 0, taken: 0 });

function addOffers(totals: OfferTotals, state: string, n: number): void {
  totals.made += n;
  switch (state) {
    case 'PENDING': totals.pending += n; break;
    case 'ACCEPTED': totals.accepted += n; break;
    case 'DECLINED': totals.declined += n; break;
    case 'EXPIRED': totals.expired += n; break;
    case 'TAKEN': totals.taken += n; break;
  }
}

/** Most first; ties by id, so the order is stable between calls. */
const byCountThenId = <T extends { count: number }>(id: (x: T) => number) => (a: T, b: T) => b.count - a.count || id(a) - id(b);

export function createLeadStatsService(deps: { stats: LeadStatsStore }) {
  const { stats } = deps;

  return {
    /** Leads created and offers made within [from, to); either bound may be left out. */
    leadStats(range: StatsRange): LeadStatsResult {
      let total = 0;
      const states = new Map<string, number>(STATES.map((s) => [s, 0]));
      const sources = new Map<number, number>();
      const statuses = new Map<number, number>();
      for (const row of stats.leadCounts(range)) {
        total += row.n;
        states.set(row.state, (states.get(row.state) ?? 0) + row.n);
        sources.set(row.sourceId, (sources.get(row.sourceId) ?? 0) + row.n);
        if (row.statusCodeId !== null) statuses.set(row.statusCodeId, (statuses.get(row.statusCodeId) ?? 0) + row.n);
      }

      const totals = emptyTotals();
      const agents = new Map<number, OfferTotals>();
      for (const row of stats.offerCounts(range)) {
        addOffers(totals, row.state, row.n);
        let a = agents.get(row.agentId);
        if (!a) agents.set(row.agentId, a = emptyTotals());
        addOffers(a, row.state, row.n);
      }

      const accepted = stats.acceptedCount(range);
      const [lo, hi] = medianRanks(accepted);
      const p90 = nearestRank(accepted, 90);
      const atRank = accepted === 0 ? new Map<number, number>() : stats.acceptMsAtRanks(range, [lo, hi, p90]);
      const seconds = (rank: number): number | null => {
        const ms = atRank.get(rank);
        return ms === undefined ? null : ms / 1000;
      };
      const loS = seconds(lo);
      const hiS = seconds(hi);
      const agentMedians = new Map(stats.agentMedianResponseMs(range).map((r) => [r.agentId, r.ms / 1000]));

      return {
        total,
        byState: STATES.map((state) => ({ state, count: states.get(state) ?? 0 })),
        bySource: [...sources].map(([sourceId, count]) => ({ sourceId, count })).sort(byCountThenId((x) => x.sourceId)),
        byStatus: [...statuses].map(([statusCodeId, count]) => ({ statusCodeId, count })).sort(byCountThenId((x) => x.statusCodeId)),
        offers: totals,
        medianSecondsToAccept: loS === null || hiS === null ? null : (loS + hiS) / 2,
        p90SecondsToAccept: seconds(p90),
        perAgent: [...agents].map(([agentId, t]) => ({
          agentId,
          received: t.made,
          pending: t.pending,
          accepted: t.accepted,
          declined: t.declined,
          expired: t.expired,
          taken: t.taken,
          medianResponseSeconds: agentMedians.get(agentId) ?? null,
        })).sort((a, b) => a.agentId - b.agentId),
      };
    },
  };
}

export type LeadStatsService = ReturnType<typeof createLeadStatsService>;
