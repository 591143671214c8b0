// The dashboard's figures (LeadStatsStore) on every store, against the leads and offers themselves: the same
// writes through the port must give the same figures on SQLite and PostgreSQL, for any range (whole days,
// partial days, unbounded, inverted), before and after past periods were summed and changed again; every figure
// of one read sees the same rows while others commit; inside a transaction the figures count its own writes;
// and readers summing past periods while writers add to them lose nothing.
import { expect, it } from 'vitest';
import type {
  AgentBucketCount, AgentBuckets, BucketCount, LeadCount, LeadStatsStore, OfferCount, Store, StoreTx,
} from '../../../src/store/port.js';
import type { StatsRange } from '../../../src/store/lead-stats-rules.js';
import type { LeadRow, LeadState, OfferRow, OfferState } from '../../../src/store/rows.js';
import { random, type Random } from '../../support/lead-stats-fixture.js';
import { openConnections, seedSource, seedUser } from '../../support/port-suite.js';
import { describeEachStore } from '../../support/stores.js';

const DAY = 86_400_000;
/** 2024-01-03: the data spans a 64-day period boundary (2024-02-06) and many 8-day ones. */
const T0 = Date.UTC(2024, 0, 3);
const SPAN_DAYS = 200;
const STATES: LeadState[] = ['ROUTING', 'ASSIGNED', 'UNASSIGNED'];

interface World {
  store: Store;
  r: Random;
  agents: number[];
  sources: number[];
  codes: number[];
  leadIds: number[];
}

interface Figures {
  leadCounts: LeadCount[];
  offerCounts: OfferCount[];
  acceptBuckets: BucketCount[];
  responseBuckets: AgentBucketCount[];
}

/** The response-time bucket of an answer `ms` after the offer (lead-stats-rules.ts, migrations' triggers). */
const bucketOf = (ms: number) => (ms < 256_000 ? Math.max(0, Math.trunc(ms / 1000)) : Math.trunc(128 * Math.log2(ms / 1000)) - 768);

/** A response time: whole seconds under 256 s, or with milliseconds, or minutes to hours. */
function responseMs(r: Random): number {
  const kind = r.int(3);
  if (kind === 0) return r.int(256) * 1000;
  if (kind === 1) return r.int(256_000);
  return 256_000 + r.int(4 * 3_600_000);
}

async function world(store: Store, seed: number): Promise<World> {
  const agents: number[] = [];
  for (let i = 0; i < 5; i++) agents.push((await seedUser(store)).id);
  const sources: number[] = [];
  for (const name of ['Website', 'Portal', 'Referral']) sources.push((await seedSource(store, name)).id);
  const codes = (await store.statusCodes.listStatusCodes(false)).map((c) => c.id);
  return { store, r: random(seed), agents, sources, codes, leadIds: [] };
}

/** A lead created at `at` and its offers (at most one ACCEPTED; some direct, auto-accepted or not), in `tx`. */
async function addLead(w: World, tx: StoreTx, at: number): Promise<void> {
  const { r } = w;
  const lead = await tx.leads.insertLead({
    sourceId: r.pick(w.sources), kind: 'GENERAL', state: r.pick(STATES), statusCodeId: r.next() < 0.15 ? null : r.pick(w.codes),
    firstName: 'Lead', createdAt: new Date(at),
  });
  w.leadIds.push(lead.id);
  let accepted = false;
  const offers = [];
  for (let k = r.int(4); k > 0; k--) {
    const offeredAt = at + r.int(2 * DAY);
    const kind = r.int(10);
    let state: OfferState = kind === 0 ? 'ACCEPTED' : r.pick(['PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN'] as const);
    if (state === 'ACCEPTED' && accepted) state = 'TAKEN';
    if (state === 'ACCEPTED') accepted = true;
    const direct = kind <= 1;
    // kind 0: a direct offer accepted the instant it was made, which no figure counts.
    const respondedAt = state === 'PENDING' ? null : kind === 0 ? offeredAt : offeredAt + responseMs(r);
    offers.push({
      leadId: lead.id, agentId: r.pick(w.agents), round: 1, direct, state, offeredAt: new Date(offeredAt),
      // Long windows, so that a later change can still accept or decline a PENDING offer.
      expiresAt: new Date(offeredAt + 30 * DAY), respondedAt: respondedAt === null ? null : new Date(respondedAt),
    });
  }
  await tx.leads.insertOffers(offers);
}

async function seed(w: World, leads: number): Promise<void> {
  await w.store.transaction(async (tx) => {
    for (let i = 0; i < leads; i++) await addLead(w, tx, T0 + w.r.int(SPAN_DAYS * DAY));
  });
}

/** Changes of every kind the rollups follow, through the port: state, status, source and day of leads; answers; new leads. */
async function change(w: World, n: number): Promise<void> {
  const { r } = w;
  await w.store.transaction(async (tx) => {
    for (let i = 0; i < n; i++) {
      const leadId = r.pick(w.leadIds);
      const kind = r.int(5);
      if (kind === 0) {
        await tx.leads.updateLead(leadId, { state: r.pick(STATES), statusCodeId: r.next() < 0.2 ? null : r.pick(w.codes) });
      } else if (kind === 1) {
        const lead = await tx.leads.findLead(leadId);
        if (lead) await tx.leads.updateLead(leadId, { sourceId: r.pick(w.sources), createdAt: new Date(lead.createdAt.getTime() + (r.int(120) - 60) * DAY) });
      } else if (kind <= 3) {
        const offers = await tx.leads.offersOfLead(leadId);
        const pending = offers.filter((o) => o.state === 'PENDING');
        const offer = pending.length > 0 ? r.pick(pending) : undefined;
        if (!offer) continue;
        const at = new Date(offer.offeredAt.getTime() + responseMs(r));
        if (offers.some((o) => o.state === 'ACCEPTED') || r.next() < 0.4) await tx.leads.declineOffer(offer.id, offer.agentId, at);
        else await tx.leads.claimOffer(offer.id, offer.agentId, at);
      } else {
        await addLead(w, tx, T0 + r.int(SPAN_DAYS * DAY));
      }
    }
  });
}

/** Every lead and offer as they are now, read back through the port. */
async function rows(w: World): Promise<{ leads: LeadRow[]; offers: OfferRow[] }> {
  const leads = await w.store.leads.findLeads(w.leadIds);
  const offers: OfferRow[] = [];
  for (const id of w.leadIds) offers.push(...await w.store.leads.offersOfLead(id));
  return { leads, offers };
}

/** Lists in one order, whatever order a store gives them in (only the accept buckets have one: ascending). */
const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
function counted<T extends { n: number }>(items: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const key = JSON.stringify({ ...item, n: 0 });
    const known = byKey.get(key);
    if (known) known.n += item.n;
    else byKey.set(key, { ...item });
  }
  return sorted([...byKey.values()].filter((x) => x.n !== 0));
}

/** The figures counted the slow, obvious way from the rows. */
function expectedFigures(data: { leads: LeadRow[]; offers: OfferRow[] }, range: StatsRange, want: readonly AgentBuckets[]): Figures {
  const inRange = (t: Date) => (range.from === null || t >= range.from) && (range.to === null || t < range.to);
  const leads = data.leads.filter((l) => inRange(l.createdAt));
  // As SQL reads NOT (direct AND responded_at = offered_at): a direct offer not answered yet is left out too.
  const offers = data.offers.filter((o) => inRange(o.offeredAt)
    && (!o.direct || (o.respondedAt !== null && o.respondedAt.getTime() !== o.offeredAt.getTime())));
  const answered = (o: OfferRow) => (o.state === 'ACCEPTED' || o.state === 'DECLINED') && o.respondedAt !== null;
  const bucket = (o: OfferRow) => bucketOf((o.respondedAt?.getTime() ?? 0) - o.offeredAt.getTime());
  const wanted = new Map(want.map((x) => [x.agentId, x]));
  return {
    leadCounts: counted(leads.map((l) => ({ state: l.state, sourceId: l.sourceId, statusCodeId: l.statusCodeId, n: 1 }))),
    offerCounts: counted(offers.map((o) => ({ agentId: o.agentId, state: o.state, band: answered(o) ? bucket(o) >> 5 : -1, n: 1 }))),
    acceptBuckets: counted(offers.filter((o) => o.state === 'ACCEPTED' && o.respondedAt !== null).map((o) => ({ bucket: bucket(o), n: 1 })))
      .sort((a, b) => a.bucket - b.bucket),
    responseBuckets: counted(offers.filter(answered).flatMap((o) => {
      const x = wanted.get(o.agentId);
      const b = bucket(o);
      return x && b >= x.fromBucket && b <= x.toBucket ? [{ agentId: o.agentId, bucket: b, n: 1 }] : [];
    })),
  };
}

async function readFigures(stats: LeadStatsStore, range: StatsRange, want: readonly AgentBuckets[]): Promise<Figures> {
  return stats.read(range, async (reader) => ({
    leadCounts: sorted(await reader.leadCounts()),
    offerCounts: sorted(await reader.offerCounts()),
    acceptBuckets: await reader.acceptBuckets(),
    responseBuckets: sorted(await reader.responseBuckets(want)),
  }));
}

/** Per agent, all buckets or only some (one band, or the fine seconds), as the dashboard asks for a median's. */
const wantOf = (w: World): AgentBuckets[] => w.agents.map((agentId, i) => (
  [{ agentId, fromBucket: 0, toBucket: 10_000 }, { agentId, fromBucket: 32, toBucket: 63 }, { agentId, fromBucket: 200, toBucket: 400 }][i % 3]
  ?? { agentId, fromBucket: 0, toBucket: 0 }));

/** A bound: none, midnight UTC, or any millisecond, around the data. */
function bound(r: Random): Date | null {
  const kind = r.int(5);
  if (kind === 0) return null;
  const day = T0 + (r.int(SPAN_DAYS + 80) - 40) * DAY;
  return new Date(kind <= 2 ? day : day + r.int(DAY));
}

function ranges(r: Random, n: number): StatsRange[] {
  const out: StatsRange[] = [
    { from: null, to: null },
    // Inside one day; an empty range; an inverted one.
    { from: new Date(T0 + 20 * DAY + 3_600_000), to: new Date(T0 + 20 * DAY + 20 * 3_600_000) },
    { from: new Date(T0 + 30 * DAY), to: new Date(T0 + 30 * DAY) },
    { from: new Date(T0 + 90 * DAY), to: new Date(T0 + 10 * DAY) },
    // Whole 8- and 64-day periods well in the past, and ranges that cut them.
    { from: new Date(T0 + 5 * DAY), to: new Date(T0 + 170 * DAY) },
    { from: new Date(T0 + 5 * DAY + 12_345), to: new Date(T0 + 170 * DAY - 54_321) },
  ];
  while (out.length < n) out.push({ from: bound(r), to: bound(r) });
  return out;
}

async function expectFiguresOfRows(w: World, checks: StatsRange[], stats: LeadStatsStore = w.store.leadStats): Promise<void> {
  const data = await rows(w);
  const want = wantOf(w);
  for (const range of checks) {
    expect(await readFigures(stats, range, want), `range ${JSON.stringify(range)}`).toEqual(expectedFigures(data, range, want));
  }
}

/** Resolves after `ms` (a pause for the other store's transactions, not a clock reading). */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeEachStore('LeadStatsStore', (open) => {
  it('counts exactly what the rows hold over any range, before and after changes to periods already summed', async () => {
    const w = await world(await open(), 5);
    await seed(w, 160);
    const r = random(6);
    // The first reads sum the past 8- and 64-day periods they need; the changes then reach those sums.
    await expectFiguresOfRows(w, ranges(r, 25));
    for (let round = 0; round < 2; round++) {
      await change(w, 80);
      await expectFiguresOfRows(w, ranges(r, 20));
    }
    // The cases that matter were there: answered, direct and auto-accepted offers, and leads without a status.
    const { leads, offers } = await rows(w);
    expect(offers.filter((o) => o.state === 'ACCEPTED' && o.direct && o.respondedAt?.getTime() === o.offeredAt.getTime()).length).toBeGreaterThan(3);
    expect(offers.filter((o) => o.state === 'DECLINED' && o.respondedAt !== null).length).toBeGreaterThan(10);
    expect(leads.filter((l) => l.statusCodeId === null).length).toBeGreaterThan(5);
  });

  it('an empty store counts nothing, whatever the range', async () => {
    const w = await world(await open(), 1);
    const empty: Figures = { leadCounts: [], offerCounts: [], acceptBuckets: [], responseBuckets: [] };
    for (const range of ranges(random(2), 8)) expect(await readFigures(w.store.leadStats, range, wantOf(w))).toEqual(empty);
  });

  it('every figure of one read sees the same rows, while another transaction commits a lead and an offer in the range', async () => {
    const w = await world(await open(), 3);
    await seed(w, 40);
    const range = { from: null, to: null };
    let written: Promise<void> | null = null;
    const [first, second] = await w.store.leadStats.read(range, async (reader) => {
      const before = { leads: await reader.leadCounts(), offers: await reader.offerCounts() };
      written = w.store.transaction(async (tx) => addLead(w, tx, T0 + 3 * DAY));
      // PostgreSQL commits it meanwhile; SQLite's one connection holds it until this read is done.
      await Promise.race([written, pause(300)]);
      return [before, { leads: await reader.leadCounts(), offers: await reader.offerCounts() }];
    });
    expect(second).toEqual(first);
    await written;
    // Read again, the lead is there.
    const total = (counts: LeadCount[]) => counts.reduce((n, c) => n + c.n, 0);
    expect(total(await w.store.leadStats.read(range, (reader) => reader.leadCounts()))).toBe(total(first.leads) + 1);
  });

  it('inside a transaction the figures count its own writes, summing past periods there if need be; a rollback takes both back', async () => {
    const w = await world(await open(), 8);
    await seed(w, 100);
    const r = random(9);
    const checks = ranges(r, 10);
    const committed = await rows(w);
    const want = wantOf(w);

    // Rolled back: the leads, their counts and the periods summed go together.
    const ids = [...w.leadIds];
    await expect(w.store.transaction(async (tx) => {
      for (let i = 0; i < 20; i++) await addLead(w, tx, T0 + w.r.int(SPAN_DAYS * DAY));
      const mine = { leads: await tx.leads.findLeads(w.leadIds), offers: [] as OfferRow[] };
      for (const id of w.leadIds) mine.offers.push(...await tx.leads.offersOfLead(id));
      for (const range of checks) {
        expect(await readFigures(tx.leadStats, range, want), `in the transaction, ${JSON.stringify(range)}`).toEqual(expectedFigures(mine, range, want));
      }
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    w.leadIds = ids;
    for (const range of checks) {
      expect(await readFigures(w.store.leadStats, range, want), `after the rollback, ${JSON.stringify(range)}`).toEqual(expectedFigures(committed, range, want));
    }

    // Committed: counted by the reads after it, in the periods the transaction summed.
    await w.store.transaction(async (tx) => {
      for (let i = 0; i < 20; i++) await addLead(w, tx, T0 + w.r.int(SPAN_DAYS * DAY));
      await readFigures(tx.leadStats, { from: new Date(T0), to: new Date(T0 + 190 * DAY) }, want);
    });
    await expectFiguresOfRows(w, checks);
  });

  it('a reader summing past periods while writers commit leads and offers to those periods misses none of them', async () => {
    const w = await world(await open(), 12);
    await seed(w, 60);
    const r = random(13);
    const want = wantOf(w);
    await openConnections(w.store, 5);
    const writers = Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 6; i++) {
        await w.store.transaction(async (tx) => {
          for (let k = 0; k < 3; k++) await addLead(w, tx, T0 + w.r.int(150 * DAY));
        });
      }
    });
    const reader = (async () => {
      for (let i = 0; i < 12; i++) {
        // Whole past periods of different sizes, each read summing the ones no read summed before.
        const from = T0 + r.int(100) * DAY;
        await readFigures(w.store.leadStats, { from: new Date(from), to: new Date(from + (8 + r.int(90)) * DAY) }, want);
      }
    })();
    await Promise.all([...writers, reader]);
    await expectFiguresOfRows(w, [{ from: null, to: null }, { from: new Date(T0), to: new Date(T0 + 150 * DAY) }, ...ranges(r, 12)]);
  });

  it('readers that need the same past periods at once sum each of them once', async () => {
    const w = await world(await open(), 14);
    await seed(w, 60);
    const range = { from: new Date(T0), to: new Date(T0 + 180 * DAY) };
    const want = wantOf(w);
    await openConnections(w.store, 4);
    const figures = await Promise.all(Array.from({ length: 4 }, () => readFigures(w.store.leadStats, range, want)));
    const expected = expectedFigures(await rows(w), range, want);
    for (const f of figures) expect(f).toEqual(expected);
    await expectFiguresOfRows(w, [range, { from: null, to: null }]);
  });

  it('a transaction\'s figures refuse a read once the transaction has ended', async () => {
    const w = await world(await open(), 15);
    await seed(w, 10);
    const kept = await w.store.transaction(async (tx) => tx.leadStats);
    await expect(kept.read({ from: null, to: null }, (reader) => reader.leadCounts())).rejects.toThrow();
  });
});
