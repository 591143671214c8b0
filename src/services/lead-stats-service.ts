// The lead management dashboard (ADMIN): leads by state, source and status; offers made and how
// they ended; how fast agents accept, overall and per agent. Counts come summed from the store's
// rollups (exact for any range); the percentiles are read at their ranks (domain/percentiles.ts)
// from response-time histograms, so they are exact for whole seconds below 256 s and otherwise
// never above the true value and less than 1 s (below 256 s) or 0.55 % (from 256 s) below it.
import { medianRanks, nearestRank } from '../domain/percentiles.js';
import { BAND_SHIFT, bucketSeconds, type StatsRange } from '../store/lead-stats-rules.js';
import type { AgentBuckets, LeadStatsStore } from '../store/port.js';

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
  /** Leads reclaimed in the range (RECLAIMED events), and per former owner, most first. */
  reclaims: number;
  reclaimsByAgent: { agentId: number; count: number }[];
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

/**
 * The keys (buckets or bands) holding the values at 1-based `ranks`, walking `counts` in ascending
 * key order after `before` values that come earlier. Ranks past the end are left out.
 */
function keysAtRanks(counts: Map<number, number>, ranks: readonly number[], before = 0): Map<number, number> {
  const found = new Map<number, number>();
  let seen = before;
  for (const key of [...counts.keys()].sort((a, b) => a - b)) {
    const n = counts.get(key) ?? 0;
    for (const rank of ranks) if (!found.has(rank) && rank > seen && rank <= seen + n) found.set(rank, key);
    seen += n;
  }
  return found;
}

/** The median of an agent's answers: which bands hold it, then the buckets within them. */
interface MedianSearch { lo: number; hi: number; before: number; want: AgentBuckets }

export function createLeadStatsService(deps: { stats: LeadStatsStore }) {
  const { stats } = deps;

  return {
    /** Leads created and offers made within [from, to); either bound may be left out. */
    leadStats(range: StatsRange): Promise<LeadStatsResult> {
      return stats.read(range, async (reader) => {
        let total = 0;
        const states = new Map<string, number>(STATES.map((s) => [s, 0]));
        const sources = new Map<number, number>();
        const statuses = new Map<number, number>();
        for (const row of await reader.leadCounts()) {
          total += row.n;
          states.set(row.state, (states.get(row.state) ?? 0) + row.n);
          sources.set(row.sourceId, (sources.get(row.sourceId) ?? 0) + row.n);
          if (row.statusCodeId !== null) statuses.set(row.statusCodeId, (statuses.get(row.statusCodeId) ?? 0) + row.n);
        }

        const totals = emptyTotals();
        const agents = new Map<number, OfferTotals>();
        // Per agent, answered offers (accepted or declined) per response band.
        const bands = new Map<number, Map<number, number>>();
        for (const row of await reader.offerCounts()) {
          addOffers(totals, row.state, row.n);
          let a = agents.get(row.agentId);
          if (!a) agents.set(row.agentId, a = emptyTotals());
          addOffers(a, row.state, row.n);
          if (row.band >= 0) {
            let b = bands.get(row.agentId);
            if (!b) bands.set(row.agentId, b = new Map());
            b.set(row.band, (b.get(row.band) ?? 0) + row.n);
          }
        }

        // Accept time: the histogram of the range, read at the median's and the p90's ranks.
        const accepts = new Map((await reader.acceptBuckets()).map((b) => [b.bucket, b.n]));
        const accepted = [...accepts.values()].reduce((s, n) => s + n, 0);
        const [lo, hi] = medianRanks(accepted);
        const p90 = nearestRank(accepted, 90);
        const atRank = accepted === 0 ? new Map<number, number>() : keysAtRanks(accepts, [lo, hi, p90]);
        const seconds = (rank: number): number | null => {
          const bucket = atRank.get(rank);
          return bucket === undefined ? null : bucketSeconds(bucket);
        };
        const loS = seconds(lo);
        const hiS = seconds(hi);

        // Per agent median: the bands at the middle ranks, then only those bands' buckets.
        const searches = new Map<number, MedianSearch>();
        for (const [agentId, agentBands] of bands) {
          const answered = [...agentBands.values()].reduce((s, n) => s + n, 0);
          if (answered <= 0) continue;
          const [mLo, mHi] = medianRanks(answered);
          const at = keysAtRanks(agentBands, [mLo, mHi]);
          const bandLo = at.get(mLo);
          const bandHi = at.get(mHi);
          if (bandLo === undefined || bandHi === undefined) continue;
          let before = 0;
          for (const [band, n] of agentBands) if (band < bandLo) before += n;
          searches.set(agentId, {
            lo: mLo, hi: mHi, before,
            want: { agentId, fromBucket: bandLo << BAND_SHIFT, toBucket: ((bandHi + 1) << BAND_SHIFT) - 1 },
          });
        }
        const fine = new Map<number, Map<number, number>>();
        for (const row of await reader.responseBuckets([...searches.values()].map((s) => s.want))) {
          let f = fine.get(row.agentId);
          if (!f) fine.set(row.agentId, f = new Map());
          f.set(row.bucket, (f.get(row.bucket) ?? 0) + row.n);
        }
        const agentMedians = new Map<number, number>();
        for (const [agentId, s] of searches) {
          const at = keysAtRanks(fine.get(agentId) ?? new Map(), [s.lo, s.hi], s.before);
          const bLo = at.get(s.lo);
          const bHi = at.get(s.hi);
          // The bands and the buckets are kept by the same triggers: they always agree.
          if (bLo === undefined || bHi === undefined) throw new Error(`response-time rollups of agent ${agentId} disagree`);
          agentMedians.set(agentId, (bucketSeconds(bLo) + bucketSeconds(bHi)) / 2);
        }

        const reclaimRows = await reader.reclaimCounts();
        return {
          reclaims: reclaimRows.reduce((sum, r) => sum + r.n, 0),
          reclaimsByAgent: reclaimRows.map((r) => ({ agentId: r.agentId, count: r.n })).sort(byCountThenId((x) => x.agentId)),
          total,
          byState: STATES.map((state) => ({ state, count: states.get(state) ?? 0 })),
          bySource: [...sources].filter(([, count]) => count !== 0).map(([sourceId, count]) => ({ sourceId, count }))
            .sort(byCountThenId((x) => x.sourceId)),
          byStatus: [...statuses].filter(([, count]) => count !== 0).map(([statusCodeId, count]) => ({ statusCodeId, count }))
            .sort(byCountThenId((x) => x.statusCodeId)),
          offers: totals,
          medianSecondsToAccept: loS === null || hiS === null ? null : (loS + hiS) / 2,
          p90SecondsToAccept: seconds(p90),
          perAgent: [...agents].filter(([, t]) => t.made !== 0).map(([agentId, t]) => ({
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
      });
    },
  };
}

export type LeadStatsService = ReturnType<typeof createLeadStatsService>;
