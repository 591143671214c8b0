// The lead management dashboard through the real server, every figure checked against values
// worked out by hand from a scripted day of leads on an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsRange } from '../../src/store/lead-stats-rules.js';
import { ManualClock } from '../../src/time/clock.js';
import { createAgents, createSource, type TestAgent } from '../support/brokerage.js';
import { referenceLeadStatsOn, statsDifferences } from '../support/lead-stats-reference.js';
import { errorCode, startTestServer, type TestServer } from '../support/server.js';
import { openServerSql } from '../support/server-sql.js';

const SEC = 1000;
let t: TestServer;
const clock = new ManualClock();

beforeAll(async () => { t = await startTestServer({ clock }); });
afterAll(async () => { await t.close(); });

async function pendingOffer(agent: TestAgent, leadId: string): Promise<string> {
  const offer = (await agent.sdk.MyOffers()).myOffers.find((o) => o.lead.id === leadId);
  if (!offer) throw new Error(`agent ${agent.id} has no pending offer for lead ${leadId}`);
  return offer.id;
}

describe('leadStats', () => {
  it('counts leads by state, source and status, offers by outcome, and the accept-time percentiles, overall and per agent', async () => {
    const { createOffice } = await t.admin.CreateOffice({ name: 'Downtown' });
    const [a, b, c] = await createAgents(t, 3, { officeIds: [createOffice.id] });
    const source = await createSource(t, { officeIds: [createOffice.id], raceAgentCount: 1, acceptanceWindowSeconds: 900 });
    const { createOffice: empty } = await t.admin.CreateOffice({ name: 'Empty' });
    const pool = await createSource(t, { officeIds: [empty.id] });
    const submit = async (sourceId: string, extra: { targetUserId?: string } = {}) =>
      (await t.admin.SubmitLead({ input: { sourceId, firstName: 'Lead', ...extra } })).submitLead.id;

    // L1 offered to a, accepted after 30 s; L2 offered to b (round robin), accepted after 90 s.
    const l1 = await submit(source.id);
    await clock.advance(30 * SEC);
    await a.sdk.AcceptOffer({ offerId: await pendingOffer(a, l1) });
    const l2 = await submit(source.id);
    await clock.advance(90 * SEC);
    await b.sdk.AcceptOffer({ offerId: await pendingOffer(b, l2) });

    const early = (await t.admin.LeadStatsFull({})).leadStats;
    expect(early.medianSecondsToAccept).toBe(60);
    expect(early.p90SecondsToAccept).toBe(90);

    // L3: c declines after 10 s; a lets it expire (900 s); b accepts after 120 s.
    const t3 = clock.now();
    const l3 = await submit(source.id);
    await clock.advance(10 * SEC);
    await c.sdk.DeclineOffer({ offerId: await pendingOffer(c, l3) });
    await pendingOffer(a, l3);
    await clock.advance(900 * SEC);
    await clock.advance(120 * SEC);
    await b.sdk.AcceptOffer({ offerId: await pendingOffer(b, l3) });
    // L4: a's own lead, auto-accepted: no offer was really made. L5: nobody eligible, UNASSIGNED.
    // L6: offered to a and still open.
    await submit(source.id, { targetUserId: a.id });
    await submit(pool.id);
    await submit(source.id);
    const { statusCodes } = await t.admin.StatusCodes();
    const code = (name: string) => statusCodes.find((s) => s.name === name)?.id ?? '';
    await a.sdk.SetLeadStatus({ leadId: l1, statusCodeId: code('Closed') });

    const stats = (await t.admin.LeadStatsFull({})).leadStats;
    expect(stats.total).toBe(6);
    expect(stats.byState).toEqual([{ state: 'ROUTING', count: 1 }, { state: 'ASSIGNED', count: 4 }, { state: 'UNASSIGNED', count: 1 }]);
    expect(stats.bySource).toEqual([
      { source: { id: source.id, name: source.name }, count: 5 },
      { source: { id: pool.id, name: pool.name }, count: 1 },
    ]);
    expect(stats.byStatus).toEqual([{ status: { id: code('New'), name: 'New' }, count: 5 }, { status: { id: code('Closed'), name: 'Closed' }, count: 1 }]);
    expect(stats.offers).toEqual({ made: 6, pending: 1, accepted: 3, declined: 1, expired: 1, taken: 0 });
    // Accepted after 30, 90 and 120 s: median 90; nearest-rank p90 is the 3rd of 3.
    expect(stats.medianSecondsToAccept).toBe(90);
    expect(stats.p90SecondsToAccept).toBe(120);
    expect(stats.perAgent.map(({ agent, ...rest }) => ({ id: agent.id, ...rest }))).toEqual([
      { id: a.id, received: 3, pending: 1, accepted: 1, declined: 0, expired: 1, taken: 0, medianResponseSeconds: 30 },
      { id: b.id, received: 2, pending: 0, accepted: 2, declined: 0, expired: 0, taken: 0, medianResponseSeconds: 105 },
      { id: c.id, received: 1, pending: 0, accepted: 0, declined: 1, expired: 0, taken: 0, medianResponseSeconds: 10 },
    ]);

    // From L3 on: leads L3..L6, offers made since (L3's three and L6's one).
    const since = (await t.admin.LeadStatsFull({ from: new Date(t3).toISOString() })).leadStats;
    expect(since.total).toBe(4);
    expect(since.offers).toEqual({ made: 4, pending: 1, accepted: 1, declined: 1, expired: 1, taken: 0 });
    expect(since.medianSecondsToAccept).toBe(120);
    // Up to (not including) L3: L1 and L2 only.
    const until = (await t.admin.LeadStatsFull({ to: new Date(t3).toISOString() })).leadStats;
    expect(until.total).toBe(2);
    expect(until.medianSecondsToAccept).toBe(60);

    // The contract's query.
    const contract = (await t.admin.LeadStats()).leadStats;
    expect(contract).toMatchObject({ total: 6, medianSecondsToAccept: 90 });
  });

  it('with nothing accepted the percentiles are null, and an empty range counts zero', async () => {
    const future = new Date(clock.now() + 86_400_000).toISOString();
    const stats = (await t.admin.LeadStatsFull({ from: future })).leadStats;
    expect(stats).toMatchObject({ total: 0, medianSecondsToAccept: null, p90SecondsToAccept: null, perAgent: [], bySource: [] });
    expect(stats.byState.map((s) => s.count)).toEqual([0, 0, 0]);
  });

  it('is for admins only: an agent is FORBIDDEN', async () => {
    const [agent] = await createAgents(t, 1);
    expect(await errorCode(agent.sdk.LeadStats())).toBe('FORBIDDEN');
  });
});

describe('leadStats rollups', () => {
  const DAY = 86_400_000;
  const counts = (stats: { byState: { state: string; count: number }[] }) => Object.fromEntries(stats.byState.map((s) => [s.state, s.count]));

  it("follow every change: a lead's state and status, offers accepted, declined, expiring and taken, also in past periods summed before the change", async () => {
    // A fresh UTC day holds only this test's leads; whole days are read from the rollups alone. It
    // starts a 64-day period (periods are aligned on 1970-01-01), for the last part of the test.
    const dayStart = (Math.floor(clock.now() / (64 * DAY)) + 1) * 64 * DAY;
    await clock.advance(dayStart + 3_600_000 - clock.now());
    const day = { from: new Date(dayStart).toISOString(), to: new Date(dayStart + DAY).toISOString() };
    const stats = async () => (await t.admin.LeadStatsFull(day)).leadStats;
    // The same figures counted from the raw rows, over a second connection (SQLite or PostgreSQL).
    const raw = await openServerSql(t.config.database);
    const sameAsRawRows = async (range: StatsRange) =>
      expect(statsDifferences(await t.server.services.leadStats.leadStats(range), await referenceLeadStatsOn(raw, range)), JSON.stringify(range)).toEqual([]);
    try {
      const { createOffice } = await t.admin.CreateOffice({ name: 'Rollups' });
      const agents = await createAgents(t, 3, { officeIds: [createOffice.id] });
      const source = await createSource(t, { officeIds: [createOffice.id], raceAgentCount: 2, acceptanceWindowSeconds: 600 });
      const submit = async (firstName: string) => (await t.admin.SubmitLead({ input: { sourceId: source.id, firstName } })).submitLead.id;
      const offered = async (leadId: string) => {
        const out: { agent: TestAgent; offerId: string }[] = [];
        for (const agent of agents) {
          const offer = (await agent.sdk.MyOffers()).myOffers.find((o) => o.lead.id === leadId);
          if (offer) out.push({ agent, offerId: offer.id });
        }
        return out;
      };
      const { statusCodes } = await t.admin.StatusCodes();
      const code = (name: string) => statusCodes.find((c) => c.name === name)?.id ?? '';

      // L1 is offered to two agents at once; one accepts after 40 s, the other's offer is TAKEN.
      const l1 = await submit('One');
      let s = await stats();
      expect(counts(s)).toEqual({ ROUTING: 1, ASSIGNED: 0, UNASSIGNED: 0 });
      expect(s.offers).toEqual({ made: 2, pending: 2, accepted: 0, declined: 0, expired: 0, taken: 0 });
      const race = await offered(l1);
      expect(race).toHaveLength(2);
      await clock.advance(40_000);
      await race[0]?.agent.sdk.AcceptOffer({ offerId: race[0].offerId });
      s = await stats();
      expect(counts(s)).toEqual({ ROUTING: 0, ASSIGNED: 1, UNASSIGNED: 0 });
      expect(s.offers).toEqual({ made: 2, pending: 0, accepted: 1, declined: 0, expired: 0, taken: 1 });
      expect(s.medianSecondsToAccept).toBe(40);

      // L2: one agent declines after 20 s, the other lets the 600 s window close; round 2 goes to
      // the third agent at that moment, who accepts 30 s later.
      const l2 = await submit('Two');
      const [declines, waits] = await offered(l2);
      await clock.advance(20_000);
      await declines?.agent.sdk.DeclineOffer({ offerId: declines.offerId });
      expect((await stats()).offers).toEqual({ made: 4, pending: 1, accepted: 1, declined: 1, expired: 0, taken: 1 });
      await clock.advance(580_000);
      const [third] = await offered(l2);
      expect(third?.agent.id).not.toBe(waits?.agent.id);
      expect((await stats()).offers).toEqual({ made: 5, pending: 1, accepted: 1, declined: 1, expired: 1, taken: 1 });
      await clock.advance(30_000);
      await third?.agent.sdk.AcceptOffer({ offerId: third.offerId });
      s = await stats();
      expect(counts(s)).toEqual({ ROUTING: 0, ASSIGNED: 2, UNASSIGNED: 0 });
      expect(s.offers).toEqual({ made: 5, pending: 0, accepted: 2, declined: 1, expired: 1, taken: 1 });
      expect(s.medianSecondsToAccept).toBe(35);
      expect(s.perAgent.find((a) => a.agent.id === declines?.agent.id)?.declined).toBe(1);

      // The lead's status, then its state: L1 closed, L2 back to the broker.
      await t.admin.SetLeadStatus({ leadId: l1, statusCodeId: code('Closed') });
      expect((await stats()).byStatus.map((b) => [b.status.name, b.count])).toEqual([['New', 1], ['Closed', 1]]);
      await t.admin.ReturnLeadToBroker({ leadId: l2 });
      expect(counts(await stats())).toEqual({ ROUTING: 0, ASSIGNED: 1, UNASSIGNED: 1 });
      const whole = { from: new Date(dayStart), to: new Date(dayStart + DAY) };
      await sameAsRawRows(whole);
      await sameAsRawRows({ from: null, to: null });

      // 70 days on, that day lies in a past 64-day period: a range over those 64 days sums it (and
      // its 8-day parts) on first use; a later change to L1 must reach the sums through the triggers.
      await clock.advance(70 * DAY);
      await submit('Later');
      const past = { from: new Date(dayStart), to: new Date(dayStart + 64 * DAY) };
      const before = await t.server.services.leadStats.leadStats(past);
      expect((await raw.get<{ n: number }>('SELECT count(*) AS n FROM rollup_periods WHERE span_days = 64'))?.n).toBeGreaterThan(0);
      await sameAsRawRows(past);
      await t.admin.SetLeadStatus({ leadId: l1, statusCodeId: code('Showing Houses') });
      const after = await t.server.services.leadStats.leadStats(past);
      const statusCount = (x: typeof before, name: string) => x.byStatus.find((b) => b.statusCodeId === Number(code(name)))?.count ?? 0;
      expect(statusCount(after, 'Closed')).toBe(statusCount(before, 'Closed') - 1);
      expect(statusCount(after, 'Showing Houses')).toBe(statusCount(before, 'Showing Houses') + 1);
      await sameAsRawRows(past);
    } finally {
      await raw.close();
    }
  });
});
