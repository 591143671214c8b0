// After the race, through the real server: logging contacts, the source's contact deadline that
// reclaims a lead from an owner who never reached the client, and returning clients who go straight
// to the owner of their earlier lead. Deadlines run on the injected clock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LeadSourceInput } from '../../src/sdk/generated.js';
import { ManualClock } from '../../src/time/clock.js';
import { createAgent, createAgents, createSource, type TestAgent } from '../support/brokerage.js';
import { errorCode, startTestServer, type TestServer } from '../support/server.js';
import { subscribe } from '../support/subscription.js';

const MIN = 60_000;
const clock = new ManualClock();
let t: TestServer;

beforeAll(async () => { t = await startTestServer({ clock }); });
afterAll(async () => { await t.close(); });
// Whatever a test left open closes before the next (every window here is at most an hour).
afterEach(async () => { await clock.advance(24 * 60 * MIN); });

async function office(): Promise<string> {
  return (await t.admin.CreateOffice({ name: `Office ${Math.random().toString(36).slice(2)}` })).createOffice.id;
}

/** `n` agents alone in a fresh office, and a source routing one at a time to them with a 10-minute contact deadline. */
async function brokerage<N extends number>(n: N, input: Partial<LeadSourceInput> = {}) {
  const officeId = await office();
  const agents = await createAgents(t, n, { officeIds: [officeId] });
  const source = await createSource(t, {
    officeIds: [officeId], acceptanceWindowSeconds: 3600, raceAgentCount: 1, contactDeadlineSeconds: 600, ...input,
  });
  return { officeId, agents, source };
}

/** The agent's one pending offer of the lead, accepted. */
async function accept(agent: TestAgent, leadId: string): Promise<void> {
  const offer = (await agent.sdk.MyOffers()).myOffers.find((o) => o.lead.id === leadId);
  if (!offer) throw new Error(`agent ${agent.id} holds no offer of lead ${leadId}`);
  await agent.sdk.AcceptOffer({ offerId: offer.id });
}

/** Who of `agents` holds a pending offer of the lead. */
async function offeredTo(agents: readonly TestAgent[], leadId: string): Promise<TestAgent[]> {
  const out: TestAgent[] = [];
  for (const a of agents) if ((await a.sdk.MyOffers()).myOffers.some((o) => o.lead.id === leadId)) out.push(a);
  return out;
}

async function submit(sourceId: string, fields: { firstName?: string; email?: string; phone?: string } = {}) {
  return (await t.admin.SubmitLead({ input: { sourceId, firstName: 'Robin', ...fields } })).submitLead;
}

async function eventTypes(leadId: string): Promise<string[]> {
  return (await t.admin.LeadEventsOf({ id: leadId })).lead.events.map((e) => e.type);
}

describe('logContact', () => {
  it('the owner, a user and an admin log contacts; each is a CONTACTED event, listed with its kind, note and author', async () => {
    const { agents: [owner, user], source } = await brokerage(2);
    const lead = await submit(source.id);
    const [first] = await offeredTo([owner, user], lead.id);
    if (!first) throw new Error('nobody was offered the lead');
    const [o, u] = first === owner ? [owner, user] : [user, owner];
    await accept(o, lead.id);
    await t.admin.AddLeadUser({ leadId: lead.id, userId: u.id });

    await clock.advance(1000);
    const byOwner = (await o.sdk.LogContact({ leadId: lead.id, kind: 'CALL', note: 'left a voicemail' })).logContact;
    expect(byOwner.lastContactAt).toBe(new Date(clock.now()).toISOString());
    await clock.advance(1000);
    await u.sdk.LogContact({ leadId: lead.id, kind: 'TEXT' });
    await clock.advance(1000);
    const byAdmin = (await t.admin.LogContact({ leadId: lead.id, kind: 'MEETING', note: 'coffee' })).logContact;
    expect(byAdmin.contacts.map((c) => [c.kind, c.note, c.by.id])).toEqual([
      ['CALL', 'left a voicemail', o.id], ['TEXT', null, u.id], ['MEETING', 'coffee', expect.any(String)],
    ]);
    expect(byAdmin.lastContactAt).toBe(new Date(clock.now()).toISOString());
    expect((await eventTypes(lead.id)).filter((e) => e === 'CONTACTED')).toHaveLength(3);
    const history = (await o.sdk.LeadHistory({ id: lead.id })).lead;
    expect(history.lastContactAt).toBe(byAdmin.lastContactAt);
  });

  it('an agent only offered the lead is FORBIDDEN, a stranger NOT_FOUND, and neither sees its contacts', async () => {
    const { agents: [a, b], source } = await brokerage(2, { contactDeadlineSeconds: 0 });
    const stranger = await createAgent(t);
    const lead = await submit(source.id);
    const [first] = await offeredTo([a, b], lead.id);
    if (!first) throw new Error('nobody was offered the lead');
    // Offered, not yet the owner: may look, may not log.
    expect(await errorCode(first.sdk.LogContact({ leadId: lead.id, kind: 'CALL' }))).toBe('FORBIDDEN');
    expect(await errorCode(stranger.sdk.LogContact({ leadId: lead.id, kind: 'CALL' }))).toBe('NOT_FOUND');
    await t.admin.LogContact({ leadId: lead.id, kind: 'EMAIL', note: 'sent listings' });
    const limited = (await first.sdk.LeadHistory({ id: lead.id })).lead;
    expect(limited.lastContactAt).toBeNull();
    expect(await errorCode(stranger.sdk.LeadHistory({ id: lead.id }))).toBe('NOT_FOUND');
  });
});

describe('the contact deadline', () => {
  it('an owner who logs nothing within the deadline loses the lead: RECLAIMED, told why, and the next round goes to someone else', async () => {
    const { agents, source } = await brokerage(3);
    const lead = await submit(source.id, { email: `reclaim-${Math.random()}@example.com`, phone: '+15125550101' });
    const [winner] = await offeredTo(agents, lead.id);
    if (!winner) throw new Error('nobody was offered the lead');
    const ws = subscribe<{ leadEvents: { type: string; note: string | null; agent: { id: string } | null;
      lead: { id: string; state: string; contactHidden: boolean; email: string | null; phone: string | null; firstName: string; owner: { id: string } | null } } }>(
      t.ws(winner.token),
      'subscription { leadEvents { type note agent { id } lead { id state contactHidden email phone firstName owner { id } } } }',
    );
    await new Promise((r) => setTimeout(r, 150));
    await accept(winner, lead.id);
    expect((await ws.next()).leadEvents.type).toBe('ACCEPTED');
    expect((await ws.next()).leadEvents.type).toBe('ASSIGNED');

    await clock.advance(600_000 - 1);
    expect((await t.admin.Lead({ id: lead.id })).lead).toMatchObject({ state: 'ASSIGNED', owner: { id: winner.id } });
    await clock.advance(1);

    // The former owner hears it once, with the limited view: no contact details, no owner.
    const reclaimed = (await ws.next()).leadEvents;
    expect(reclaimed).toMatchObject({
      type: 'RECLAIMED', agent: { id: winner.id },
      lead: { id: lead.id, state: 'ROUTING', contactHidden: true, email: null, phone: null, firstName: 'Robin', owner: null },
    });
    expect(reclaimed.note).toContain('600 s');
    const after = (await t.admin.Lead({ id: lead.id })).lead;
    expect(after).toMatchObject({ state: 'ROUTING', owner: null, users: [], referralFeePercent: null });
    expect(after.events.map((e) => e.type).slice(-2)).toEqual(['RECLAIMED', 'OFFERED']);
    // Round 2 went to another agent; the former owner's offer is the one they accepted, never a new one.
    const round2 = after.offers.filter((o) => o.round === 2);
    expect(round2).toHaveLength(1);
    expect(round2[0]?.agent.id).not.toBe(winner.id);
    expect(after.offers.filter((o) => o.agent.id === winner.id).map((o) => o.state)).toEqual(['ACCEPTED']);
    expect((await winner.sdk.MyOffers()).myOffers.filter((o) => o.lead.id === lead.id)).toEqual([]);
    const routing = (await t.admin.LeadRoutingRound({ id: lead.id, round: 2 })).lead.routing ?? [];
    expect(routing.find((d) => d.agent.id === winner.id)?.reason).toBe('ALREADY_OFFERED');
    // Told why, by SMS and email, without the client's contact details.
    const sent = (await t.admin.Notifications({ leadId: lead.id })).notifications.filter((n) => n.body.includes('taken back'));
    expect(sent.map((n) => [n.channel, n.to])).toEqual(expect.arrayContaining([['email', winner.email], ['sms', expect.stringMatching(/^\+1/)]]));
    for (const n of sent) {
      expect(n.body).not.toContain('5125550101');
      expect(n.body).not.toContain('@example.com');
    }
    // The former owner can no longer work it; the next winner can win it (one live accepted offer).
    expect(await errorCode(winner.sdk.LogContact({ leadId: lead.id, kind: 'CALL' }))).toBe('FORBIDDEN');
    const next = agents.find((a) => a.id === round2[0]?.agent.id);
    if (!next) throw new Error('round 2 agent unknown');
    await accept(next, lead.id);
    expect((await t.admin.Lead({ id: lead.id })).lead).toMatchObject({ state: 'ASSIGNED', owner: { id: next.id } });
    // Reclaims are on the dashboard, per former owner.
    const stats = (await t.admin.LeadReclaims({ from: new Date(clock.now() - MIN).toISOString() })).leadStats;
    expect(stats.reclaimsByAgent).toEqual([{ agent: { id: winner.id }, count: 1 }]);
    expect(stats.reclaims).toBe(1);
    ws.close();
  });

  it('with nobody left to offer, a reclaimed lead goes UNASSIGNED', async () => {
    const { agents: [only], source } = await brokerage(1, { contactDeadlineSeconds: 60 });
    const lead = await submit(source.id);
    await accept(only, lead.id);
    await clock.advance(60_000);
    const after = (await t.admin.Lead({ id: lead.id })).lead;
    expect(after).toMatchObject({ state: 'UNASSIGNED', owner: null });
    expect(after.events.map((e) => e.type).slice(-2)).toEqual(['RECLAIMED', 'UNASSIGNED']);
  });

  it('a contact logged, or a status set, before the deadline keeps the lead with its owner', async () => {
    const { agents, source } = await brokerage(2);
    const showing = (await t.admin.StatusCodes()).statusCodes.find((c) => c.name === 'Showing Houses')?.id ?? '';
    for (const work of ['contact', 'status'] as const) {
      const lead = await submit(source.id);
      const [winner] = await offeredTo(agents, lead.id);
      if (!winner) throw new Error('nobody was offered the lead');
      await accept(winner, lead.id);
      await clock.advance(599_000);
      if (work === 'contact') await winner.sdk.LogContact({ leadId: lead.id, kind: 'CALL' });
      else await winner.sdk.SetLeadStatus({ leadId: lead.id, statusCodeId: showing });
      await clock.advance(60 * MIN);
      expect((await t.admin.Lead({ id: lead.id })).lead, work).toMatchObject({ state: 'ASSIGNED', owner: { id: winner.id } });
      expect(await eventTypes(lead.id), work).not.toContain('RECLAIMED');
    }
  });

  it('a source without a deadline, and a direct lead, are never reclaimed', async () => {
    const { agents: [a], source } = await brokerage(1, { contactDeadlineSeconds: 0 });
    expect((await t.admin.LeadSourceAfterRace({ id: source.id })).leadSource).toMatchObject({ contactDeadlineSeconds: null, repeatLeadsToOwner: false });
    const general = await submit(source.id);
    await accept(a, general.id);
    const withDeadline = await createSource(t, { contactDeadlineSeconds: 60 });
    const direct = (await t.admin.SubmitLead({ input: { sourceId: withDeadline.id, targetUserId: a.id, firstName: 'Own' } })).submitLead;
    await clock.advance(24 * 60 * MIN);
    for (const id of [general.id, direct.id]) {
      expect((await t.admin.Lead({ id })).lead).toMatchObject({ state: 'ASSIGNED', owner: { id: a.id } });
    }
  });

  it('contactDeadlineSeconds is validated: 1 to 604800, or 0 for none', async () => {
    expect(await errorCode(createSource(t, { contactDeadlineSeconds: -5 }))).toBe('BAD_USER_INPUT');
    expect(await errorCode(createSource(t, { contactDeadlineSeconds: 604_801 }))).toBe('BAD_USER_INPUT');
    const s = await createSource(t, { contactDeadlineSeconds: 300 });
    expect((await t.admin.LeadSourceAfterRace({ id: s.id })).leadSource?.contactDeadlineSeconds).toBe(300);
    await t.admin.UpdateLeadSource({ id: s.id, input: { name: s.name, contactDeadlineSeconds: 0 } });
    expect((await t.admin.LeadSourceAfterRace({ id: s.id })).leadSource?.contactDeadlineSeconds).toBeNull();
  });
});

describe('returning clients', () => {
  it('a lead matching an earlier lead by email (other case) or phone (other format) goes straight to its owner', async () => {
    const { agents, source } = await brokerage(3, { repeatLeadsToOwner: true, referralFeePercent: 25 });
    const tag = Math.random().toString(36).slice(2, 8);
    const first = await submit(source.id, { email: `Pat.${tag}@Example.com`, phone: '+1 512 555 0177' });
    const [owner] = await offeredTo(agents, first.id);
    if (!owner) throw new Error('nobody was offered the lead');
    await accept(owner, first.id);
    await owner.sdk.LogContact({ leadId: first.id, kind: 'CALL' });

    const ws = subscribe<{ leadEvents: { type: string; lead: { id: string } } }>(t.ws(owner.token), 'subscription { leadEvents { type lead { id } } }');
    await new Promise((r) => setTimeout(r, 150));
    const byEmail = await submit(source.id, { email: `pat.${tag}@EXAMPLE.COM` });
    expect(byEmail).toMatchObject({ kind: 'REPEAT', state: 'ASSIGNED' });
    const byPhone = await submit(source.id, { phone: '(512) 555-0177' });
    expect(byPhone).toMatchObject({ kind: 'REPEAT', state: 'ASSIGNED' });
    for (const lead of [byEmail, byPhone]) {
      const full = (await t.admin.Lead({ id: lead.id })).lead;
      expect(full).toMatchObject({ kind: 'REPEAT', state: 'ASSIGNED', owner: { id: owner.id }, offers: [], referralFeePercent: null });
      expect(full.events.map((e) => e.type)).toEqual(['CREATED', 'ASSIGNED']);
      const history = (await owner.sdk.LeadHistory({ id: lead.id })).lead;
      expect(history.repeatOf?.id).toBe(first.id);
      // Told as for a direct lead: the contact details, by SMS and email.
      const sent = (await t.admin.Notifications({ leadId: lead.id })).notifications;
      expect(sent.map((n) => n.channel).sort()).toEqual(['email', 'sms']);
      for (const n of sent) expect(n.body).toContain('yours');
    }
    // The owner hears them live, as the owner.
    const heard = [(await ws.next()).leadEvents, (await ws.next()).leadEvents];
    expect(heard).toEqual([{ type: 'CREATED', lead: { id: byEmail.id } }, { type: 'ASSIGNED', lead: { id: byEmail.id } }]);
    ws.close();
    // Nobody else was offered anything.
    for (const a of agents) expect((await a.sdk.MyOffers()).myOffers).toEqual([]);
    // A repeat lead carries no contact deadline: it was not won in a race.
    await clock.advance(60 * MIN);
    expect((await t.admin.Lead({ id: byEmail.id })).lead.owner?.id).toBe(owner.id);
  });

  it('an inactive owner, or a source without repeatLeadsToOwner: routed as usual', async () => {
    const { agents, source } = await brokerage(3, { repeatLeadsToOwner: true, contactDeadlineSeconds: 0 });
    const email = `sam.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const first = await submit(source.id, { email });
    const [owner] = await offeredTo(agents, first.id);
    if (!owner) throw new Error('nobody was offered the lead');
    await accept(owner, first.id);

    const plain = await createSource(t, { officeIds: [], raceAgentCount: 1, repeatLeadsToOwner: false });
    const elsewhere = await submit(plain.id, { email });
    expect(elsewhere).toMatchObject({ kind: 'GENERAL', state: 'ROUTING' });

    await t.admin.UpdateUser({ id: owner.id, input: { active: false } });
    const again = await submit(source.id, { email });
    expect(again).toMatchObject({ kind: 'GENERAL', state: 'ROUTING' });
    const offered = await offeredTo(agents.filter((a) => a !== owner), again.id);
    expect(offered).toHaveLength(1);
    expect(offered[0]?.id).not.toBe(owner.id);
  });

  it('a direct lead stays direct: the agent named by their own site gets it, even from another agent\'s client', async () => {
    const { agents: [a, b], source } = await brokerage(2, { repeatLeadsToOwner: true, contactDeadlineSeconds: 0 });
    const email = `dir.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const first = await submit(source.id, { email });
    const [owner] = await offeredTo([a, b], first.id);
    if (!owner) throw new Error('nobody was offered the lead');
    await accept(owner, first.id);
    const other = owner === a ? b : a;
    const direct = (await t.admin.SubmitLead({ input: { sourceId: source.id, targetUserId: other.id, firstName: 'D', email } })).submitLead;
    expect(direct).toMatchObject({ kind: 'DIRECT_TO_USER', state: 'ASSIGNED' });
    expect((await t.admin.Lead({ id: direct.id })).lead.owner?.id).toBe(other.id);
  });
});
