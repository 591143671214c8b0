// The dashboard's figures computed the slow, obvious way: every lead and offer of the range read
// into memory and counted, the percentiles taken from the sorted exact durations. The rollups are
// checked against it (tests, and scripts/bench-lead-list.ts once before it times anything), on a
// SQLite file directly or, for an end-to-end test on either store, through server-sql.ts.
import type Database from 'better-sqlite3';
import { medianRanks, nearestRank } from '../../src/domain/percentiles.js';
import type { LeadStatsResult, OfferTotals } from '../../src/services/lead-stats-service.js';
import type { StatsRange } from '../../src/store/lead-stats-rules.js';
import type { ServerSql, SqlValue } from './server-sql.js';

const STATES = ['ROUTING', 'ASSIGNED', 'UNASSIGNED'] as const;

const emptyTotals = (): OfferTotals => ({ made: 0, pending: 0, accepted: 0, declined: 0, expired: 0, taken: 0 });
const KEY: Record<string, keyof OfferTotals> = {
  PENDING: 'pending', ACCEPTED: 'accepted', DECLINED: 'declined', EXPIRED: 'expired', TAKEN: 'taken',
};

/** Ascending values at 1-based ranks; the median is the mean of the one or two middle values. */
const median = (sorted: number[]): number | null => {
  if (sorted.length === 0) return null;
  const [lo, hi] = medianRanks(sorted.length);
  return ((sorted[lo - 1] ?? 0) + (sorted[hi - 1] ?? 0)) / 2;
};

/** A lead of the range: state, source_id, status_code_id. */
type LeadRow = [string, number, number | null];
/** An offer of the range: agent_id, state, direct (1/0), offered_at and responded_at (epoch ms). */
type OfferRow = [number, string, number, number, number | null];

const LEADS = 'SELECT state, source_id, status_code_id FROM leads';
const OFFERS = 'SELECT agent_id, state, direct, offered_at, responded_at FROM offers';

export function referenceLeadStats(sqlite: Database.Database, range: StatsRange): LeadStatsResult {
  const from = range.from?.getTime() ?? -Number.MAX_VALUE;
  const to = range.to?.getTime() ?? Number.MAX_VALUE;
  // Iterated rather than read whole (the benchmark's ranges hold a million leads); each query starts
  // only once the one before has been read to its end.
  const leads = sqlite.prepare(`${LEADS} WHERE created_at >= ? AND created_at < ?`).raw();
  const offers = sqlite.prepare(`${OFFERS} WHERE offered_at >= ? AND offered_at < ?`).raw();
  return countLeadStats(
    (function* () { yield* leads.iterate(from, to) as Iterable<LeadRow>; })(),
    (function* () { yield* offers.iterate(from, to) as Iterable<OfferRow>; })(),
  );
}

/** The same, on a test server's database, whichever store it is (server-sql.ts). */
export async function referenceLeadStatsOn(db: ServerSql, range: StatsRange): Promise<LeadStatsResult> {
  const within = (column: string) => {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (range.from) { where.push(`${column} >= ?`); params.push(range.from); }
    if (range.to) { where.push(`${column} < ?`); params.push(range.to); }
    return { where: where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '', params };
  };
  const l = within('created_at');
  const o = within('offered_at');
  const leads = await db.all<{ state: string; source_id: number; status_code_id: number | null }>(LEADS + l.where, l.params);
  const offers = await db.all<{ agent_id: number; state: string; direct: number; offered_at: number; responded_at: number | null }>(OFFERS + o.where, o.params);
  return countLeadStats(
    leads.map((r): LeadRow => [r.state, r.source_id, r.status_code_id]),
    offers.map((r): OfferRow => [r.agent_id, r.state, r.direct, r.offered_at, r.responded_at]),
  );
}

function countLeadStats(leads: Iterable<LeadRow>, offers: Iterable<OfferRow>): LeadStatsResult {
  let total = 0;
  const states = new Map<string, number>(STATES.map((s) => [s, 0]));
  const sources = new Map<number, number>();
  const statuses = new Map<number, number>();
  for (const [state, sourceId, statusCodeId] of leads) {
    total++;
    states.set(state, (states.get(state) ?? 0) + 1);
    sources.set(sourceId, (sources.get(sourceId) ?? 0) + 1);
    if (statusCodeId !== null) statuses.set(statusCodeId, (statuses.get(statusCodeId) ?? 0) + 1);
  }

  const totals = emptyTotals();
  const agents = new Map<number, { t: OfferTotals; answers: number[] }>();
  const accepts: number[] = [];
  for (const [agentId, state, direct, offeredAt, respondedAt] of offers) {
    // As SQL reads NOT (direct = 1 AND responded_at = offered_at): a direct offer with no answer yet
    // makes it NULL, and it is left out too.
    const real = direct !== 1 || (respondedAt !== null && respondedAt !== offeredAt);
    if (!real) continue;
    let a = agents.get(agentId);
    if (!a) agents.set(agentId, a = { t: emptyTotals(), answers: [] });
    for (const t of [totals, a.t]) {
      t.made++;
      const key = KEY[state];
      if (key) t[key]++;
    }
    if (respondedAt === null) continue;
    const seconds = (respondedAt - offeredAt) / 1000;
    if (state === 'ACCEPTED') accepts.push(seconds);
    if (state === 'ACCEPTED' || state === 'DECLINED') a.answers.push(seconds);
  }
  accepts.sort((x, y) => x - y);

  const byCount = <T extends { count: number }>(id: (x: T) => number) => (a: T, b: T) => b.count - a.count || id(a) - id(b);
  return {
    total,
    byState: STATES.map((state) => ({ state, count: states.get(state) ?? 0 })),
    bySource: [...sources].map(([sourceId, count]) => ({ sourceId, count })).sort(byCount((x) => x.sourceId)),
    byStatus: [...statuses].map(([statusCodeId, count]) => ({ statusCodeId, count })).sort(byCount((x) => x.statusCodeId)),
    offers: totals,
    medianSecondsToAccept: median(accepts),
    p90SecondsToAccept: accepts.length === 0 ? null : accepts[nearestRank(accepts.length, 90) - 1] ?? null,
    perAgent: [...agents].map(([agentId, { t, answers }]) => ({
      agentId,
      received: t.made,
      pending: t.pending,
      accepted: t.accepted,
      declined: t.declined,
      expired: t.expired,
      taken: t.taken,
      medianResponseSeconds: median(answers.sort((x, y) => x - y)),
    })).sort((a, b) => a.agentId - b.agentId),
  };
}

/**
 * How far a percentile read from the rollups may be from the exact one (both in seconds): never
 * above it, and below it by less than 1 s under 256 s, less than 0.55 % from 256 s (plus the
 * millisecond the reported value is rounded down to).
 */
export function withinPrecision(actual: number | null, exact: number | null): boolean {
  if (actual === null || exact === null) return actual === exact;
  const slack = exact < 256 ? 1 : exact * 0.0055;
  return actual <= exact + 1e-9 && actual > exact - slack - 0.001;
}

/** The differences between two dashboards: counts must be equal, percentiles within precision. */
export function statsDifferences(actual: LeadStatsResult, exact: LeadStatsResult): string[] {
  const out: string[] = [];
  const same = (what: string, a: unknown, e: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(e)) out.push(`${what}: ${JSON.stringify(a)} instead of ${JSON.stringify(e)}`);
  };
  const close = (what: string, a: number | null, e: number | null) => {
    if (!withinPrecision(a, e)) out.push(`${what}: ${a} for ${e}`);
  };
  same('total', actual.total, exact.total);
  same('byState', actual.byState, exact.byState);
  same('bySource', actual.bySource, exact.bySource);
  same('byStatus', actual.byStatus, exact.byStatus);
  same('offers', actual.offers, exact.offers);
  close('medianSecondsToAccept', actual.medianSecondsToAccept, exact.medianSecondsToAccept);
  close('p90SecondsToAccept', actual.p90SecondsToAccept, exact.p90SecondsToAccept);
  const counts = (s: LeadStatsResult) => s.perAgent.map(({ medianResponseSeconds: _, ...rest }) => rest);
  same('perAgent', counts(actual), counts(exact));
  for (const e of exact.perAgent) {
    const a = actual.perAgent.find((x) => x.agentId === e.agentId);
    if (a) close(`agent ${e.agentId} medianResponseSeconds`, a.medianResponseSeconds, e.medianResponseSeconds);
  }
  return out;
}
