// The routing engine through the real server, with an injected clock: direct and general routing,
// round robin, the race, declines, expiry, eligibility, privacy and the live offer stream.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { createAgent, createAgents, createSource, offersOf, type TestAgent } from '../support/brokerage.js';
import { ADMIN_TOKEN, errorCode, graphqlError, startTestServer, type TestServer } from '../support/server.js';
import { subscribe } from '../support/subscription.js';

const MIN = 60_000;
let t: TestServer;
const clock = new ManualClock();

beforeAll(async () => { t = await startTestServer({ clock }); });
afterAll(async () => { await t.close(); });
// Each test leaves every agent it made with no pending offer, so tests do not see each other's leads.
afterEach(async () => { await clock.advance(24 * 60 * MIN); });

/** An office of its own per test keeps each test's distribution list to its own agents. */
async function office(): Promise<string> {
  return (await t.admin.CreateOffice({ name: `Office ${Math.random().toString(36).slice(2)}` })).createOffice.id;
}

async function pendingOfferOf(agent: TestAgent, leadId: string) {
  const { myOffers } = await agent.sdk.MyOffers();
  const offer = myOffers.find((o) => o.lead.id === leadId);
  if (!offer) throw new Error(`agent ${agent.id} has no pending offer for lead ${leadId}`);
  return offer;
}

describe('general routing and the race', () => {
  it('offers a general lead to raceAgentCount agents; the first accept wins, the others become TAKEN', async () => {
    const o = await office();
    const [a, b, c] = await createAgents(t, 3, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 2, referralFeePercent: 25 });
    const subA = subscribe<{ offers: { type: string; offer: { id: string; state: string; lead: { id: string; firstName: string } } } }>(
      t.ws(a.token), 'subscription { offers { type offer { id state lead { id firstName } } } }');
    const subB = subscribe<{ offers: { type: string; offer: { id: string; state: string } } }>(
      t.ws(b.token), 'subscription { offers { type offer { id state } } }');
    await new Promise((r) => setTimeout(r, 100));

    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Dana', lastName: 'Reyes', email: 'dana@example.com', phone: '+15125550199', message: 'Looking in Zilker' } });
    expect(submitLead).toMatchObject({ kind: 'GENERAL', state: 'ROUTING' });

    const receivedA = (await subA.next()).offers;
    expect(receivedA).toMatchObject({ type: 'RECEIVED', offer: { state: 'PENDING', lead: { id: submitLead.id, firstName: 'Dana' } } });
    expect((await subB.next()).offers.type).toBe('RECEIVED');
    expect((await c.sdk.MyOffers()).myOffers).toEqual([]);

    const won = await b.sdk.AcceptOffer({ offerId: (await pendingOfferOf(b, submitLead.id)).id });
    expect(won.acceptOffer).toMatchObject({ state: 'ACCEPTED', lead: { state: 'ASSIGNED', owner: { id: b.id }, email: 'dana@example.com', phone: '+15125550199' } });
    expect((await subA.next()).offers).toMatchObject({ type: 'TAKEN', offer: { state: 'TAKEN' } });
    expect((await subB.next()).offers).toMatchObject({ type: 'ACCEPTED', offer: { state: 'ACCEPTED' } });

    expect(await errorCode(a.sdk.AcceptOffer({ offerId: receivedA.offer.id }))).toBe('OFFER_CLOSED');
    const { lead } = await t.admin.Lead({ id: submitLead.id });
    expect(lead).toMatchObject({ state: 'ASSIGNED', owner: { id: b.id }, referralFeePercent: 25 });
    expect(lead.offers.map((x) => [x.agent.id, x.state]).sort()).toEqual([[a.id, 'TAKEN'], [b.id, 'ACCEPTED']].sort());
    expect(lead.events.map((e) => e.type)).toEqual(['CREATED', 'OFFERED', 'OFFERED', 'ACCEPTED', 'ASSIGNED']);
    subA.close();
    subB.close();
  });

  it('rotates the distribution list per source: each new lead starts one place after the last', async () => {
    const o = await office();
    const agents = await createAgents(t, 3, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1 });
    const firstOffered: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: `L${i}` } });
      const offers = await offersOf(t, submitLead.id);
      expect(offers).toHaveLength(1);
      firstOffered.push(offers[0]?.agent.id ?? '');
    }
    const ids = agents.map((a) => a.id);
    expect(firstOffered).toEqual([ids[0], ids[1], ids[2], ids[0]]);
  });

  it("nextUp shows who would be offered the source's next general lead, and follows the rotation", async () => {
    const o = await office();
    const [a, b, c] = await createAgents(t, 3, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 2 });
    const nextUp = async () => (await t.admin.LeadSources()).leadSources.find((s) => s.id === source.id)?.nextUp?.map((u) => u.id);
    expect(await nextUp()).toEqual([a.id, b.id]);
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Nia' } });
    expect((await offersOf(t, submitLead.id)).map((x) => x.agent.id)).toEqual([a.id, b.id]);
    expect(await nextUp()).toEqual([b.id, c.id]);
    await c.sdk.SetMyAvailability({ inOffice: false });
    expect(await nextUp()).toEqual([b.id, a.id]);
    expect(await errorCode(a.sdk.LeadSources())).toBe('FORBIDDEN');
  });

  it('when the window closes, pending offers become EXPIRED and the next agents are offered the lead; then UNASSIGNED', async () => {
    const o = await office();
    const [a, b] = await createAgents(t, 2, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1, acceptanceWindowSeconds: 900 });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Eve' } });
    const first = await pendingOfferOf(a, submitLead.id);
    expect(new Date(first.expiresAt).getTime()).toBe(clock.now() + 15 * MIN);

    await clock.advance(15 * MIN - 1);
    expect((await offersOf(t, submitLead.id)).map((x) => x.state)).toEqual(['PENDING']);
    await clock.advance(1);
    const afterFirst = await offersOf(t, submitLead.id);
    expect(afterFirst.map((x) => [x.agent.id, x.state, x.round])).toEqual([[a.id, 'EXPIRED', 1], [b.id, 'PENDING', 2]]);

    await clock.advance(15 * MIN);
    const { lead } = await t.admin.Lead({ id: submitLead.id });
    expect(lead.state).toBe('UNASSIGNED');
    expect(lead.offers.map((x) => x.state)).toEqual(['EXPIRED', 'EXPIRED']);
    expect(lead.events.map((e) => e.type)).toEqual(['CREATED', 'OFFERED', 'EXPIRED', 'OFFERED', 'EXPIRED', 'UNASSIGNED']);
  });

  it('when every offer of a round is declined, the next round starts at once', async () => {
    const o = await office();
    const [a, b, c] = await createAgents(t, 3, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 2 });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Finn' } });
    await a.sdk.DeclineOffer({ offerId: (await pendingOfferOf(a, submitLead.id)).id });
    // One of two declined: the round waits for the other.
    expect((await c.sdk.MyOffers()).myOffers).toEqual([]);
    const declined = await b.sdk.DeclineOffer({ offerId: (await pendingOfferOf(b, submitLead.id)).id });
    expect(declined.declineOffer.state).toBe('DECLINED');
    const third = await pendingOfferOf(c, submitLead.id);
    expect(third.round).toBe(2);
    expect(await errorCode(a.sdk.DeclineOffer({ offerId: third.id }))).toBe('NOT_FOUND');
  });

  it('an accept or decline after the deadline is OFFER_CLOSED even before the expiry is processed', async () => {
    const o = await office();
    const [a] = await createAgents(t, 1, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], acceptanceWindowSeconds: 60 });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Gus' } });
    const offer = await pendingOfferOf(a, submitLead.id);
    await t.server.services.deadlines.stop();
    try {
      await clock.advance(60_000);
      expect((await offersOf(t, submitLead.id))[0]?.state).toBe('PENDING');
      expect(await errorCode(a.sdk.AcceptOffer({ offerId: offer.id }))).toBe('OFFER_CLOSED');
      expect(await errorCode(a.sdk.DeclineOffer({ offerId: offer.id }))).toBe('OFFER_CLOSED');
    } finally {
      await t.server.services.deadlines.start();
    }
    expect((await offersOf(t, submitLead.id))[0]?.state).toBe('EXPIRED');
    expect((await t.admin.Lead({ id: submitLead.id })).lead.state).toBe('UNASSIGNED');
  });

  it('many simultaneous accepts at many leads find exactly one winner each', async () => {
    const o = await office();
    const agents = await createAgents(t, 8, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 8 });
    const leadIds: string[] = [];
    for (let i = 0; i < 25; i++) leadIds.push((await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: `R${i}` } })).submitLead.id);
    const pending = await Promise.all(agents.map(async (a) => ({ a, offers: (await a.sdk.MyOffers()).myOffers })));
    const attempts = pending.flatMap(({ a, offers }) => offers.map((offer) =>
      a.sdk.AcceptOffer({ offerId: offer.id }).then((r) => ({ lead: r.acceptOffer.lead.id, agent: a.id }), (e: unknown) => {
        const code = (e as { response?: { errors?: { extensions?: { code?: string } }[] } }).response?.errors?.[0]?.extensions?.code;
        if (code !== 'OFFER_CLOSED') throw e;
        return null;
      })));
    expect(attempts).toHaveLength(25 * 8);
    const wins = (await Promise.all(attempts)).filter((w) => w !== null);
    expect(wins).toHaveLength(25);
    expect(new Set(wins.map((w) => w.lead)).size).toBe(25);
    for (const id of leadIds) {
      const { lead } = await t.admin.Lead({ id });
      const accepted = lead.offers.filter((x) => x.state === 'ACCEPTED');
      expect(accepted).toHaveLength(1);
      expect(lead.offers.filter((x) => x.state === 'TAKEN')).toHaveLength(7);
      expect(lead.owner?.id).toBe(accepted[0]?.agent.id);
    }
  });
});

describe('eligibility and the routing explanation', () => {
  it('skips inactive, halted, out-of-office agents and those outside the offices or lead group, and says why', async () => {
    const o = await office();
    const other = await office();
    const [inGroup, halted, away, inactive, outsider, notInGroup, waiting] = await createAgents(t, 7, { officeIds: [o] });
    await t.admin.UpdateUser({ id: outsider.id, input: { officeIds: [other] } });
    await t.admin.UpdateUser({ id: inactive.id, input: { active: false } });
    await t.admin.HaltUser({ userId: halted.id, until: new Date(clock.now() + 60 * MIN).toISOString(), reason: 'vacation' });
    await away.sdk.SetMyAvailability({ inOffice: false });
    const group = (await t.admin.CreateLeadGroup({ name: `G ${Math.random()}`, memberIds: [inGroup.id, halted.id, away.id, inactive.id, outsider.id, waiting.id] })).createLeadGroup;
    const source = await createSource(t, { officeIds: [o], leadGroupId: group.id, raceAgentCount: 1 });

    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Hal' } });
    const { lead } = await t.admin.LeadRouting({ id: submitLead.id });
    const reasons = Object.fromEntries((lead.routing ?? []).filter((r) => r.round === 1).map((r) => [r.agent.id, r.reason]));
    expect(reasons).toMatchObject({
      [inGroup.id]: 'OFFERED', [halted.id]: 'HALTED', [away.id]: 'OUT_OF_OFFICE', [inactive.id]: 'INACTIVE',
      [outsider.id]: 'NOT_IN_OFFICE', [notInGroup.id]: 'NOT_IN_LEAD_GROUP', [waiting.id]: 'WAITING',
    });
    await inGroup.sdk.DeclineOffer({ offerId: (await pendingOfferOf(inGroup, submitLead.id)).id });
    const round2 = ((await t.admin.LeadRouting({ id: submitLead.id })).lead.routing ?? []).filter((r) => r.round === 2);
    expect(Object.fromEntries(round2.map((r) => [r.agent.id, r.reason]))).toMatchObject({ [inGroup.id]: 'ALREADY_OFFERED', [waiting.id]: 'OFFERED' });
    expect(await errorCode(inGroup.sdk.LeadRouting({ id: submitLead.id }))).toBe('FORBIDDEN');
  });

  it('routing(round:) and routing(last: true) give one round of the explanation; a round below 1 is refused on routing alone', async () => {
    const o = await office();
    const [a, b, c] = await createAgents(t, 3, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1 });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Rhea' } });
    for (const agent of [a, b]) {
      const offered = (await t.admin.Lead({ id: submitLead.id })).lead.offers.find((x) => x.state === 'PENDING');
      expect(offered?.agent.id).toBe(agent.id);
      await agent.sdk.DeclineOffer({ offerId: (await pendingOfferOf(agent, submitLead.id)).id });
    }
    // Three rounds, each considering every agent of the server (this test's three and the others').
    const all = (await t.admin.LeadRouting({ id: submitLead.id })).lead.routing ?? [];
    expect([...new Set(all.map((r) => r.round))]).toEqual([1, 2, 3]);
    const one = async (variables: { round?: number; last?: boolean }) =>
      ((await t.admin.LeadRoutingRound({ id: submitLead.id, ...variables })).lead.routing ?? []).map((r) => [r.round, r.agent.id, r.reason]);
    const roundOf = (n: number) => all.filter((r) => r.round === n).map((r) => [r.round, r.agent.id, r.reason]);
    expect(await one({ round: 2 })).toEqual(roundOf(2));
    const mine = new Set([a.id, b.id, c.id]);
    expect((await one({ round: 2 })).filter(([, id]) => mine.has(String(id))))
      .toEqual([[2, a.id, 'ALREADY_OFFERED'], [2, b.id, 'OFFERED'], [2, c.id, 'WAITING']]);
    expect(await one({ last: true })).toEqual(roundOf(3));
    expect(await one({ last: false })).toEqual(all.map((r) => [r.round, r.agent.id, r.reason]));
    expect(await one({ round: 4 })).toEqual([]);

    for (const [variables, field] of [[{ round: 0 }, 'round'], [{ round: 1, last: true }, 'last']] as const) {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({
          query: 'query($id: ID!, $round: Int, $last: Boolean) { lead(id: $id) { id routing(round: $round, last: $last) { round } } }',
          variables: { id: submitLead.id, ...variables },
        }),
      });
      const body = await res.json() as { data: unknown; errors: { path: unknown[]; extensions: { code: string; field: string } }[] };
      expect(body.data).toEqual({ lead: { id: submitLead.id, routing: null } });
      expect(body.errors.map((e) => [e.extensions.code, e.extensions.field, e.path])).toEqual([['BAD_USER_INPUT', field, ['lead', 'routing']]]);
    }
  });

  it('a halt with a past until is over', async () => {
    const o = await office();
    const [a] = await createAgents(t, 1, { officeIds: [o] });
    await t.admin.HaltUser({ userId: a.id, until: new Date(clock.now() + 10 * MIN).toISOString() });
    const source = await createSource(t, { officeIds: [o] });
    const first = (await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Ida' } })).submitLead;
    expect(first.state).toBe('UNASSIGNED');
    await clock.advance(10 * MIN);
    const second = (await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Jo' } })).submitLead;
    expect(second.state).toBe('ROUTING');
    expect((await pendingOfferOf(a, second.id)).round).toBe(1);
  });
});

describe('direct-to-user leads', () => {
  it('auto-accept: the agent owns the lead at once, with one ACCEPTED offer and no fee, even when halted', async () => {
    const o = await office();
    const a = await createAgent(t, { officeIds: [o] });
    await t.admin.HaltUser({ userId: a.id, reason: 'leave' });
    const source = await createSource(t, { officeIds: [o], referralFeePercent: 30 });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, targetUserId: a.id, firstName: 'Kim', email: 'kim@example.com' } });
    expect(submitLead).toMatchObject({ kind: 'DIRECT_TO_USER', state: 'ASSIGNED' });
    const { lead } = await a.sdk.Lead({ id: submitLead.id });
    expect(lead).toMatchObject({ owner: { id: a.id }, referralFeePercent: null, email: 'kim@example.com' });
    expect(lead.offers.map((x) => x.state)).toEqual(['ACCEPTED']);
  });

  it('without auto-accept only that agent is offered it; when the window closes it is routed as a general lead', async () => {
    const o = await office();
    const [target, other] = await createAgents(t, 2, { officeIds: [o] });
    await target.sdk.SetMyAvailability({ inOffice: false });
    const source = await createSource(t, { officeIds: [o], directToUserAutoAccept: false, directToUserWindowSeconds: 120, referralFeePercent: 10 });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, targetUserId: target.id, firstName: 'Lou' } });
    expect(submitLead).toMatchObject({ kind: 'DIRECT_TO_USER', state: 'ROUTING' });
    const direct = await pendingOfferOf(target, submitLead.id);
    expect(new Date(direct.expiresAt).getTime()).toBe(clock.now() + 120_000);
    expect((await other.sdk.MyOffers()).myOffers).toEqual([]);
    await clock.advance(120_000);
    const general = await pendingOfferOf(other, submitLead.id);
    expect(general.round).toBe(2);
    const won = await other.sdk.AcceptOffer({ offerId: general.id });
    expect(won.acceptOffer.lead.owner?.id).toBe(other.id);
    expect((await t.admin.Lead({ id: submitLead.id })).lead.referralFeePercent).toBe(10);
  });

  it('a declined direct lead is routed as a general lead at once', async () => {
    const o = await office();
    const [target, other] = await createAgents(t, 2, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], directToUserAutoAccept: false });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, targetUserId: target.id, firstName: 'Max' } });
    await target.sdk.DeclineOffer({ offerId: (await pendingOfferOf(target, submitLead.id)).id });
    expect((await pendingOfferOf(other, submitLead.id)).round).toBe(2);
  });

  it('a source that disallows direct leads routes them as GENERAL', async () => {
    const o = await office();
    const [a] = await createAgents(t, 1, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], allowDirectToUser: false });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, targetUserId: a.id, firstName: 'Ned' } });
    expect(submitLead).toMatchObject({ kind: 'GENERAL', state: 'ROUTING' });
  });
});

describe('intake', () => {
  it('anyone with the source key submits; an unknown key is NOT_FOUND; sourceId needs an admin', async () => {
    const o = await office();
    await createAgents(t, 1, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o] });
    const anon = t.sdk(null);
    const { submitLead } = await anon.SubmitLead({ input: { sourceKey: source.publicKey, firstName: 'Ola', email: 'ola@example.com' } });
    expect(submitLead.state).toBe('ROUTING');
    expect(await errorCode(anon.SubmitLead({ input: { sourceKey: 'src_nope', firstName: 'X' } }))).toBe('NOT_FOUND');
    expect(await errorCode(anon.SubmitLead({ input: { sourceId: source.id, firstName: 'X' } }))).toBe('UNAUTHENTICATED');
    const agent = await createAgent(t);
    expect(await errorCode(agent.sdk.SubmitLead({ input: { sourceId: source.id, firstName: 'X' } }))).toBe('FORBIDDEN');
  });

  it('contact fields are validated and nothing is written on bad input', async () => {
    const source = await createSource(t);
    const key = source.publicKey;
    expect(await graphqlError(t.admin.SubmitLead({ input: { sourceKey: key, firstName: 'P', email: 'nope' } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect(await graphqlError(t.admin.SubmitLead({ input: { sourceKey: key, firstName: 'P', phone: '12' } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'phone' });
    expect(await graphqlError(t.admin.SubmitLead({ input: { sourceKey: key, firstName: ' ' } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'firstName' });
    expect(await graphqlError(t.admin.SubmitLead({ input: { sourceKey: key, firstName: 'P', targetUserId: '99999' } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'targetUserId' });
  });

  it('the same externalId twice returns the first lead and creates nothing', async () => {
    const source = await createSource(t);
    const one = (await t.sdk(null).SubmitLead({ input: { sourceKey: source.publicKey, firstName: 'Quinn', externalId: 'zillow-42' } })).submitLead;
    const two = (await t.sdk(null).SubmitLead({ input: { sourceKey: source.publicKey, firstName: 'Quinn again', externalId: 'zillow-42' } })).submitLead;
    expect(two.id).toBe(one.id);
    const other = await createSource(t);
    const three = (await t.sdk(null).SubmitLead({ input: { sourceKey: other.publicKey, firstName: 'Quinn', externalId: 'zillow-42' } })).submitLead;
    expect(three.id).not.toBe(one.id);
  });

  it('the same externalId sent several times at once (a portal retrying) makes one lead, and every answer is that lead', async () => {
    const o = await office();
    await createAgents(t, 1, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o] });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      t.sdk(null).SubmitLead({ input: { sourceKey: source.publicKey, firstName: `Retry ${i}`, externalId: 'portal-retry-7' } })));
    const ids = new Set(answers.map((a) => a.submitLead.id));
    expect(ids.size).toBe(1);
    const { leads } = await t.admin.Leads({ filter: { sourceId: source.id } });
    expect(leads.edges.map((e) => e.node.id)).toEqual([...ids]);
  });
});

describe('privacy', () => {
  it('an offered agent sees first name, message and source only; an agent never offered it gets NOT_FOUND', async () => {
    const o = await office();
    const [a, b] = await createAgents(t, 2, { officeIds: [o] });
    const stranger = await createAgent(t);
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 2 });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Rae', lastName: 'Sun', email: 'rae@example.com', phone: '+15125550123', message: 'Condo downtown' } });
    const seen = (await a.sdk.Lead({ id: submitLead.id })).lead;
    expect(seen).toMatchObject({ firstName: 'Rae', message: 'Condo downtown', source: { name: source.name }, lastName: null, email: null, phone: null, owner: null, events: [] });
    const pending = (await a.sdk.MyOffers()).myOffers.find((x) => x.lead.id === submitLead.id);
    expect(pending?.actionUrl).toMatch(/^http:\/\/localhost:\d+\/o\/[0-9a-z]+\.[0-9a-z]+\.[\w-]{22}$/);
    expect(await errorCode(stranger.sdk.Lead({ id: submitLead.id }))).toBe('NOT_FOUND');
    await b.sdk.AcceptOffer({ offerId: (await pendingOfferOf(b, submitLead.id)).id });
    expect((await a.sdk.Lead({ id: submitLead.id })).lead.email).toBeNull();
    expect((await b.sdk.Lead({ id: submitLead.id })).lead).toMatchObject({ lastName: 'Sun', email: 'rae@example.com', phone: '+15125550123' });
  });
});

describe('live lead events', () => {
  it('admins hear every lead; an agent hears the leads they own, not others', async () => {
    const o = await office();
    const [a, b] = await createAgents(t, 2, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1 });
    type E = { leadEvents: { type: string; lead: { id: string; state: string } } };
    const adminFeed = subscribe<E>(t.ws(t.config.bootstrapAdminToken), 'subscription { leadEvents { type lead { id state } } }');
    const agentFeed = subscribe<E>(t.ws(a.token), 'subscription { leadEvents { type lead { id state } } }');
    await new Promise((r) => setTimeout(r, 100));
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Sol' } });
    expect((await adminFeed.next()).leadEvents).toMatchObject({ type: 'CREATED', lead: { id: submitLead.id } });
    expect((await adminFeed.next()).leadEvents.type).toBe('OFFERED');
    await a.sdk.AcceptOffer({ offerId: (await pendingOfferOf(a, submitLead.id)).id });
    expect((await adminFeed.next()).leadEvents.type).toBe('ACCEPTED');
    expect((await adminFeed.next()).leadEvents).toMatchObject({ type: 'ASSIGNED', lead: { state: 'ASSIGNED' } });
    // The agent's feed starts when they own it: the accept.
    expect((await agentFeed.next()).leadEvents).toMatchObject({ type: 'ACCEPTED', lead: { id: submitLead.id } });
    expect((await agentFeed.next()).leadEvents.type).toBe('ASSIGNED');
    expect(await errorCode(b.sdk.Lead({ id: submitLead.id }))).toBe('NOT_FOUND');
    const bFeed = subscribe<E>(t.ws(b.token), 'subscription($id: ID) { leadEvents(leadId: $id) { type } }', { id: submitLead.id });
    await expect(bFeed.next()).rejects.toBeTruthy();
    adminFeed.close();
    agentFeed.close();
  });
});
