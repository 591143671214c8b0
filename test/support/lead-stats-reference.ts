// The dashboard's figures computed the slow, obvious way: every lead and offer of the range read
// into memory and counted, the percentiles taken from the sorted exact durations. The rollups are
// checked against it (tests, and scripts/bench-lead-list.ts once before it times anything, on SQLite
// here and on PostgreSQL through lead-stats-postgres.ts's reader of the same tally; for an end-to-end
// test on either store, through server-sql.ts).
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

/**
 * The figures of the leads and offers it is given, counted one row at a time: fed by a database's rows in any
 * order (referenceLeadStats reads SQLite's, lead-stats-postgres.ts PostgreSQL's), whatever range they were
 * picked for.
 */
export class ReferenceTally {
  private total = 0;
  private readonly states = new Map<string, number>(STATES.map((s) => [s, 0]));
  private readonly sources = new Map<number, number>();
  private readonly statuses = new Map<number, number>();
  private readonly totals = emptyTotals();
  private readonly agents = new Map<number, { t: OfferTotals; answers: number[] }>();
  private readonly accepts: number[] = [];
  private readonly reclaims = new Map<number, number>();

  /** A RECLAIMED event of the range, naming its former owner. */
  reclaim(agentId: number): void {
    this.reclaims.set(agentId, (this.reclaims.get(agentId) ?? 0) + 1);
  }

  lead(state: string, sourceId: number, statusCodeId: number | null): void {
    this.total++;
    this.states.set(state, (this.states.get(state) ?? 0) + 1);
    this.sources.set(sourceId, (this.sources.get(sourceId) ?? 0) + 1);
    if (statusCodeId !== null) this.statuses.set(statusCodeId, (this.statuses.get(statusCodeId) ?? 0) + 1);
  }

  /** An offer; times in epoch milliseconds. */
  offer(agentId: number, state: string, direct: boolean, offeredAt: number, respondedAt: number | null): void {
    // As SQL reads NOT (direct AND responded_at = offered_at): a direct offer with no answer yet
    // makes it NULL, and it is left out too.
    const real = !direct || (respondedAt !== null && respondedAt !== offeredAt);
    if (!real) return;
    let a = this.agents.get(agentId);
    if (!a) this.agents.set(agentId, a = { t: emptyTotals(), answers: [] });
    for (const t of [this.totals, a.t]) {
      t.made++;
      const key = KEY[state];
      if (key) t[key]++;
    }
    if (respondedAt === null) return;
    const seconds = (respondedAt - offeredAt) / 1000;
    if (state === 'ACCEPTED') this.accepts.push(seconds);
    if (state === 'ACCEPTED' || state === 'DECLINED') a.answers.push(seconds);
  }

  result(): LeadStatsResult {
    const accepts = [...this.accepts].sort((x, y) => x - y);
    const byCount = <T extends { count: number }>(id: (x: T) => number) => (a: T, b: T) => b.count - a.count || id(a) - id(b);
    return {
      reclaims: [...this.reclaims.values()].reduce((sum, n) => sum + n, 0),
      reclaimsByAgent: [...this.reclaims].map(([agentId, count]) => ({ agentId, count })).sort(byCount((x) => x.agentId)),
      total: this.total,
      byState: STATES.map((state) => ({ state, count: this.states.get(state) ?? 0 })),
      bySource: [...this.sources].map(([sourceId, count]) => ({ sourceId, count })).sort(byCount((x) => x.sourceId)),
      byStatus: [...this.statuses].map(([statusCodeId, count]) => ({ statusCodeId, count })).sort(byCount((x) => x.statusCodeId)),
      offers: { ...this.totals },
      medianSecondsToAccept: median(accepts),
      p90SecondsToAccept: accepts.length === 0 ? null : accepts[nearestRank(accepts.length, 90) - 1] ?? null,
      perAgent: [...this.agents].map(([agentId, { t, answers }]) => ({
        agentId,
        received: t.made,
        pending: t.pending,
        accepted: t.accepted,
        declined: t.declined,
        expired: t.expired,
        taken: t.taken,
        medianResponseSeconds: median([...answers].sort((x, y) => x - y)),
      })).sort((a, b) => a.agentId - b.agentId),
    };
  }
}

export function referenceLeadStats(sqlite: Database.Database, range: StatsRange): LeadStatsResult {
  const from = range.from?.getTime() ?? -Number.MAX_VALUE;
  const to = range.to?.getTime() ?? Number.MAX_VALUE;
  const tally = new ReferenceTally();
  const leads = sqlite.prepare('SELECT state, source_id, status_code_id FROM leads WHERE created_at >= ? AND created_at < ?').raw();
  for (const [state, sourceId, statusCodeId] of leads.iterate(from, to) as Iterable<[string, number, number | null]>) {
    tally.lead(state, sourceId, statusCodeId);
  }
  const offers = sqlite.prepare('SELECT agent_id, state, direct, offered_at, responded_at FROM offers WHERE offered_at >= ? AND offered_at < ?').raw();
  for (const [agentId, state, direct, offeredAt, respondedAt] of offers.iterate(from, to) as Iterable<[number, string, number, number, number | null]>) {
    tally.offer(agentId, state, direct === 1, offeredAt, respondedAt);
  }
  return tally.result();
}

/** The same, on a test server's database, whichever store it is (server-sql.ts: rows in SQLite's shape). */
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
  const tally = new ReferenceTally();
  for (const r of await db.all<{ state: string; source_id: number; status_code_id: number | null }>(
    `SELECT state, source_id, status_code_id FROM leads${l.where}`, l.params)) {
    tally.lead(r.state, r.source_id, r.status_code_id);
  }
  for (const r of await db.all<{ agent_id: number; state: string; direct: number; offered_at: number; responded_at: number | null }>(
    `SELECT agent_id, state, direct, offered_at, responded_at FROM offers${o.where}`, o.params)) {
    tally.offer(r.agent_id, r.state, r.direct === 1, r.offered_at, r.responded_at);
  }
  return tally.result();
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
