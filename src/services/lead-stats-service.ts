// The lead management dashboard (ADMIN): leads by state, source and status; offers made and how
// they ended; how fast agents accept, overall and per agent. Figures come from the store's grouped
// queries; percentiles from domain/percentiles.ts.
import { median, percentile } from '../domain/percentiles.js';
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

      // Rows come ascending per agent, so each agent's list is sorted as it is built; the accepted
      // times of all agents together need one sort.
      const acceptSeconds: number[] = [];
      const responseSeconds = new Map<number, number[]>();
      for (const row of stats.responseTimes(range)) {
        const s = row.ms / 1000;
        if (row.accepted) acceptSeconds.push(s);
        let list = responseSeconds.get(row.agentId);
        if (!list) responseSeconds.set(row.agentId, list = []);
        list.push(s);
      }
      acceptSeconds.sort((a, b) => a - b);

      return {
        total,
        byState: STATES.map((state) => ({ state, count: states.get(state) ?? 0 })),
        bySource: [...sources].map(([sourceId, count]) => ({ sourceId, count })).sort(byCountThenId((x) => x.sourceId)),
        byStatus: [...statuses].map(([statusCodeId, count]) => ({ statusCodeId, count })).sort(byCountThenId((x) => x.statusCodeId)),
        offers: totals,
        medianSecondsToAccept: median(acceptSeconds),
        p90SecondsToAccept: percentile(acceptSeconds, 90),
        perAgent: [...agents].map(([agentId, t]) => ({
          agentId,
          received: t.made,
          pending: t.pending,
          accepted: t.accepted,
          declined: t.declined,
          expired: t.expired,
          taken: t.taken,
          medianResponseSeconds: median(responseSeconds.get(agentId) ?? []),
        })).sort((a, b) => a.agentId - b.agentId),
      };
    },
  };
}

export type LeadStatsService = ReturnType<typeof createLeadStatsService>;
