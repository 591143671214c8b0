// Issue 15's routing rules through the real server, with an injected clock: working hours in each
// agent's own time zone (across a daylight-saving change), daily caps to the agent's local midnight,
// routingPreview and nextUp, strikes (halted after N missed offers, told by SMS and email), service
// areas that widen, and weights. The tests run in time order on one clock (March 2026).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { createAgent, createAgents, createSource, offersOf, type TestAgent } from '../support/brokerage.js';
import { startSmsProvider, startSmtpProvider, type SmsProvider, type SmtpProvider } from '../support/providers.js';
import { errorCode, graphqlError, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

const utc = (iso: string): number => Date.parse(`${iso}Z`);
// Friday 6 March 2026, 08:30 in Chicago (CST): before the US change to daylight time on Sunday 8 March.
const clock = new ManualClock(utc('2026-03-06T14:30'));
let t: TestServer;
let sms: SmsProvider;
let smtp: SmtpProvider;

beforeAll(async () => {
  sms = await startSmsProvider();
  smtp = await startSmtpProvider();
  t = await startTestServer({
    clock,
    env: {
      PUBLIC_URL: 'https://leads.example.com', SMTP_URL: smtp.url, SMTP_FROM: 'Leadrace <offers@brokerage.example>',
      SMS_API_URL: sms.url, SMS_ACCOUNT_SID: 'AC123', SMS_AUTH_TOKEN: 'secret-token', SMS_FROM: '+15125550000',
    },
  });
});
afterAll(async () => {
  await t.close();
  await sms.close();
  await smtp.close();
});

/** Moves the clock forward to `at` (deadlines due on the way are processed at their own times). */
async function advanceTo(at: number): Promise<void> {
  if (at < clock.now()) throw new Error('the tests run in time order');
  await clock.advance(at - clock.now());
}

async function office(): Promise<string> {
  return (await t.admin.CreateOffice({ name: `Office ${Math.random().toString(36).slice(2)}` })).createOffice.id;
}

async function preview(sourceId: string, postalCode?: string): Promise<[string, string][]> {
  const { routingPreview } = await t.admin.RoutingPreview({ sourceId, postalCode });
  // Each test has an office of its own: the other tests' agents are NOT_IN_OFFICE, and left out here.
  return routingPreview.filter((d) => d.reason !== 'NOT_IN_OFFICE').map((d) => [d.agent.id, d.reason]);
}

async function firstRound(leadId: string): Promise<[string, string][]> {
  const { lead } = await t.admin.LeadRouting({ id: leadId });
  return (lead.routing ?? []).filter((d) => d.round === 1 && d.reason !== 'NOT_IN_OFFICE').map((d) => [d.agent.id, d.reason]);
}

async function submit(sourceId: string, extra: { postalCode?: string; targetUserId?: string } = {}) {
  return (await t.admin.SubmitLead({ input: { sourceId, firstName: 'Lead', ...extra } })).submitLead;
}

const MON_TO_FRI_9_TO_5 = (['MON', 'TUE', 'WED', 'THU', 'FRI'] as const).map((day) => ({ day, start: '09:00', end: '17:00' }));

describe('working hours in the agent\'s own time zone', () => {
  let a: TestAgent;
  let b: TestAgent;
  let source: { id: string };

  it('an agent sets their own zone and hours; only an admin sets weight, cap and areas, or anyone else\'s profile', async () => {
    const o = await office();
    [a, b] = await createAgents(t, 2, { officeIds: [o] });
    source = await createSource(t, { officeIds: [o], raceAgentCount: 2, directToUserAutoAccept: false });
    const { updateRoutingProfile } = await a.sdk.UpdateRoutingProfile({
      userId: a.id, input: { timeZone: 'america/chicago', workingHours: MON_TO_FRI_9_TO_5 },
    });
    expect(updateRoutingProfile).toMatchObject({
      id: a.id, timeZone: 'America/Chicago', routingWeight: 1, dailyLeadCap: null, serviceAreas: [],
    });
    expect(updateRoutingProfile.workingHours).toHaveLength(5);
    expect(updateRoutingProfile.workingHours?.[0]).toEqual({ day: 'MON', start: '09:00', end: '17:00' });
    expect(await errorCode(a.sdk.UpdateRoutingProfile({ userId: a.id, input: { routingWeight: 5 } }))).toBe('FORBIDDEN');
    expect(await errorCode(a.sdk.UpdateRoutingProfile({ userId: b.id, input: { timeZone: 'UTC' } }))).toBe('FORBIDDEN');
    expect(await graphqlError(a.sdk.UpdateRoutingProfile({ userId: a.id, input: { timeZone: 'Mars/Olympus' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeZone' });
    expect(await graphqlError(a.sdk.UpdateRoutingProfile({ userId: a.id, input: { workingHours: [{ day: 'MON', start: '18:00', end: '09:00' }] } })))
      .toMatchObject({ code: 'BAD_USER_INPUT' });
    // Nobody else sees a colleague's routing profile.
    expect(await errorCode(b.sdk.UpdateRoutingProfile({ userId: a.id, input: {} }))).toBe('FORBIDDEN');
  });

  it('outside their hours an agent is offered no general lead (OUTSIDE_HOURS), but their own direct lead still reaches them', async () => {
    // 08:30 CST on a Friday.
    const lead = await submit(source.id);
    expect(await firstRound(lead.id)).toEqual([[a.id, 'OUTSIDE_HOURS'], [b.id, 'OFFERED']]);
    const direct = await submit(source.id, { targetUserId: a.id });
    expect(direct.kind).toBe('DIRECT_TO_USER');
    expect((await offersOf(t, direct.id)).map((o) => o.agent.id)).toEqual([a.id]);
    // 09:00 CST: in hours.
    await advanceTo(utc('2026-03-06T15:00'));
    expect((await preview(source.id)).find(([id]) => id === a.id)?.[1]).not.toBe('OUTSIDE_HOURS');
  });

  it('09:00 stays 09:00 local after the change to daylight time (14:00 UTC, not 15:00)', async () => {
    // Monday 9 March, 08:59 CDT.
    await advanceTo(utc('2026-03-09T13:59'));
    expect((await preview(source.id)).find(([id]) => id === a.id)?.[1]).toBe('OUTSIDE_HOURS');
    await advanceTo(utc('2026-03-09T14:00'));
    expect((await preview(source.id)).find(([id]) => id === a.id)?.[1]).toBe('OFFERED');
    // 17:00 CDT: the day's hours are over.
    await advanceTo(utc('2026-03-09T22:00'));
    expect((await preview(source.id)).find(([id]) => id === a.id)?.[1]).toBe('OUTSIDE_HOURS');
  });
});

describe('daily caps', () => {
  it('at their cap an agent is skipped (AT_CAPACITY) until their local midnight; the company zone counts for agents without one', async () => {
    // Tuesday 10 March, 12:00 UTC. The company is in London (GMT in March): so is every agent without a zone.
    await advanceTo(utc('2026-03-10T12:00'));
    expect((await t.admin.UpdateRoutingSettings({ input: { timeZone: 'Europe/London' } })).updateCompanySettings.timeZone).toBe('Europe/London');
    const o = await office();
    const [c, d] = await createAgents(t, 2, { officeIds: [o] });
    expect((await t.admin.UpdateRoutingProfile({ userId: c.id, input: { dailyLeadCap: 1 } })).updateRoutingProfile.dailyLeadCap).toBe(1);
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 2 });
    const first = await submit(source.id);
    const offer = (await c.sdk.MyOffers()).myOffers.find((x) => x.lead.id === first.id);
    if (!offer) throw new Error('c was not offered the first lead');
    await c.sdk.AcceptOffer({ offerId: offer.id });
    const second = await submit(source.id);
    expect(await firstRound(second.id)).toEqual([[d.id, 'OFFERED'], [c.id, 'AT_CAPACITY']]);
    // 23:59 in London: still the same day.
    await advanceTo(utc('2026-03-10T23:59'));
    expect((await preview(source.id)).find(([id]) => id === c.id)?.[1]).toBe('AT_CAPACITY');
    // London's midnight: the cap is lifted.
    await advanceTo(utc('2026-03-11T00:00'));
    const third = await submit(source.id);
    expect((await firstRound(third.id)).find(([id]) => id === c.id)?.[1]).toBe('OFFERED');
  });
});

describe('routingPreview and nextUp', () => {
  it('preview lists every agent considered with the reason, writes nothing, and nextUp follows the same rules', async () => {
    await advanceTo(utc('2026-03-12T12:00'));
    const o = await office();
    const [e, f, g] = await createAgents(t, 3, { officeIds: [o] });
    await t.admin.HaltUser({ userId: f.id, reason: 'leave' });
    await t.admin.UpdateRoutingProfile({ userId: g.id, input: { workingHours: [{ day: 'SUN', start: '09:00', end: '17:00' }] } });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1 });
    const expected = [[e.id, 'OFFERED'], [f.id, 'HALTED'], [g.id, 'OUTSIDE_HOURS']];
    expect(await preview(source.id)).toEqual(expected);
    // Nothing moved: the same answer again, and nextUp agrees.
    expect(await preview(source.id)).toEqual(expected);
    const nextUp = (await t.admin.LeadSources()).leadSources.find((s) => s.id === source.id)?.nextUp?.map((u) => u.id);
    expect(nextUp).toEqual([e.id]);
    // The real lead gets what the preview said.
    const lead = await submit(source.id);
    expect(await firstRound(lead.id)).toEqual(expected);
    expect(await errorCode(e.sdk.RoutingPreview({ sourceId: source.id }))).toBe('FORBIDDEN');
  });
});

describe('strikes', () => {
  it('an agent whose last N offers expired unanswered is halted until resumed and told so; a decline is an answer', async () => {
    await advanceTo(utc('2026-03-13T12:00'));
    expect((await t.admin.UpdateRoutingSettings({ input: { haltAfterMissedOffers: 2 } })).updateCompanySettings.haltAfterMissedOffers).toBe(2);
    const o = await office();
    const h = await createAgent(t, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1, acceptanceWindowSeconds: 60 });
    const pending = async (leadId: string) => {
      const x = (await h.sdk.MyOffers()).myOffers.find((y) => y.lead.id === leadId);
      if (!x) throw new Error('no pending offer');
      return x.id;
    };
    // Missed, declined, missed: never two misses in a row.
    await submit(source.id);
    await clock.advance(61_000);
    await h.sdk.DeclineOffer({ offerId: await pending((await submit(source.id)).id) });
    await submit(source.id);
    await clock.advance(61_000);
    expect((await h.sdk.Me()).me.halt).toBeNull();
    // A second miss in a row: halted.
    await submit(source.id);
    await clock.advance(61_000);
    const { me } = await h.sdk.Me();
    expect(me.halt).toEqual({ until: null, reason: 'missed 2 offers in a row' });
    expect((await t.admin.Users()).users.find((u) => u.id === h.id)?.halt?.reason).toBe('missed 2 offers in a row');
    const halted = await submit(source.id);
    expect(await firstRound(halted.id)).toEqual([[h.id, 'HALTED']]);
    // Told by SMS and email (the outbox, sent by the delivery worker).
    await until(() => sms.received.filter((m) => m.body.startsWith('You are halted: missed 2 offers in a row')), (x) => x.length === 1, 'the halt SMS');
    await until(() => smtp.mails.filter((m) => m.subject === 'You are halted: missed 2 offers in a row'
      && JSON.stringify(m.to).includes(h.email)), (x) => x.length === 1, 'the halt email');
    // Resumed: the streak starts again, one miss is not enough.
    await t.admin.ResumeUser({ userId: h.id });
    await submit(source.id);
    await clock.advance(61_000);
    expect((await h.sdk.Me()).me.halt).toBeNull();
    await t.admin.UpdateRoutingSettings({ input: { haltAfterMissedOffers: null } });
  });
});

describe('strikes: what is not a miss', () => {
  it('an offer closed because its agent was deactivated is not a miss', async () => {
    await advanceTo(utc('2026-03-13T18:00'));
    await t.admin.UpdateRoutingSettings({ input: { haltAfterMissedOffers: 2 } });
    const o = await office();
    const m = await createAgent(t, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1, acceptanceWindowSeconds: 60 });
    await submit(source.id);
    // Deactivation closes the pending offer (EXPIRED, with its note): not a miss.
    await t.admin.UpdateUser({ id: m.id, input: { active: false } });
    await t.admin.UpdateUser({ id: m.id, input: { active: true } });
    // One real miss: a streak of 1, below 2.
    await submit(source.id);
    await clock.advance(61_000);
    expect((await t.admin.Users()).users.find((u) => u.id === m.id)?.halt).toBeNull();
    // A second real miss: halted.
    await submit(source.id);
    await clock.advance(61_000);
    expect((await t.admin.Users()).users.find((u) => u.id === m.id)?.halt?.reason).toBe('missed 2 offers in a row');
    await t.admin.UpdateRoutingSettings({ input: { haltAfterMissedOffers: null } });
  });
});

describe('service areas that widen', () => {
  it('a lead with a postal code goes to agents serving it (NOT_IN_AREA for the others) and to anyone after widenAfterRounds', async () => {
    await advanceTo(utc('2026-03-14T12:00'));
    const o = await office();
    const [i, j, k] = await createAgents(t, 3, { officeIds: [o] });
    await t.admin.UpdateRoutingProfile({ userId: j.id, input: { serviceAreas: ['787'] } });
    await t.admin.UpdateRoutingProfile({ userId: k.id, input: { serviceAreas: ['786'] } });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1, acceptanceWindowSeconds: 60, matchServiceArea: true, widenAfterRounds: 1 });
    expect((await t.admin.LeadSource({ id: source.id })).leadSource).toMatchObject({ matchServiceArea: true, widenAfterRounds: 1 });
    expect(await preview(source.id, '78701')).toEqual([[i.id, 'NOT_IN_AREA'], [j.id, 'OFFERED'], [k.id, 'NOT_IN_AREA']]);
    const lead = await submit(source.id, { postalCode: '78701-2201' });
    expect(await firstRound(lead.id)).toEqual([[i.id, 'NOT_IN_AREA'], [j.id, 'OFFERED'], [k.id, 'NOT_IN_AREA']]);
    // Round 1 expires untaken: round 2 is offered without the area rule.
    await clock.advance(61_000);
    const { lead: routed } = await t.admin.LeadRouting({ id: lead.id });
    const round2 = (routed.routing ?? []).filter((d) => d.round === 2 && d.reason !== 'NOT_IN_OFFICE').map((d) => d.reason);
    expect(round2).toContain('OFFERED');
    expect(round2).not.toContain('NOT_IN_AREA');
    // A postal code nobody serves is offered to everyone at once: never stuck.
    const nowhere = await submit(source.id, { postalCode: '10001' });
    expect((await firstRound(nowhere.id)).map(([, r]) => r)).toContain('OFFERED');
  });
});

describe('weights', () => {
  it('agents weighted 1, 2, 3 head 2, 4 and 6 of 12 leads; with every weight 1 the plain rotation is unchanged', async () => {
    await advanceTo(utc('2026-03-15T12:00'));
    const o = await office();
    const agents = await createAgents(t, 3, { officeIds: [o] });
    for (const [n, agent] of agents.entries()) {
      await t.admin.UpdateRoutingProfile({ userId: agent.id, input: { routingWeight: n + 1 } });
    }
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1 });
    const heads = new Map<string, number>();
    for (let n = 0; n < 12; n++) {
      const [first] = await offersOf(t, (await submit(source.id)).id);
      heads.set(first?.agent.id ?? '', (heads.get(first?.agent.id ?? '') ?? 0) + 1);
    }
    expect(agents.map((a) => heads.get(a.id))).toEqual([2, 4, 6]);
    expect(await errorCode(t.admin.UpdateRoutingProfile({ userId: agents[0].id, input: { routingWeight: 101 } }))).toBe('BAD_USER_INPUT');
  });
});
