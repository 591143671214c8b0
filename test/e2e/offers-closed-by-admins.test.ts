// Offers an admin's change closes without waiting for their window (issue 12, points 6 and 8):
// deactivating an agent closes their pending offers and routes the leads on at once; giving a routing
// lead to an agent who holds an offer of it makes that offer theirs, with the winner's confirmation.
// The clock is a ManualClock that never moves here: whatever happens, no window closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { createContactableAgent } from '../support/agents.js';
import { createAgents, createSource } from '../support/brokerage.js';
import { errorCode, startTestServer, type TestServer } from '../support/server.js';
import { subscribe } from '../support/subscription.js';

const HOUR = 3600;
const clock = new ManualClock();
let t: TestServer;
beforeAll(async () => { t = await startTestServer({ clock }); });
afterAll(async () => { await t.close(); });

const office = async () => (await t.admin.CreateOffice({ name: `Office ${Math.random().toString(36).slice(2)}` })).createOffice.id;
const CONTACT = { lastName: 'Reyes', email: 'dana.reyes@example.com', phone: '+15125550199' };

type OfferEvent = { offers: { type: string; offer: { id: string; state: string; lead: { id: string } } } };
const OFFERS = 'subscription { offers { type offer { id state lead { id } } } }';
type LeadEvent = { leadEvents: { type: string; lead: { id: string; state: string } } };

async function offerStates(leadId: string) {
  const { lead } = await t.admin.Lead({ id: leadId });
  return lead.offers.map((o) => [o.agent.id, o.round, o.state]);
}

describe('deactivating an agent closes their pending offers at once', () => {
  it('a general lead: the offer closes EXPIRED with an event saying why, and the next agent is offered it with no time passing', async () => {
    const o = await office();
    const [gone, next] = await createAgents(t, 2, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1, acceptanceWindowSeconds: HOUR });
    const nextFeed = subscribe<OfferEvent>(t.ws(next.token), OFFERS);
    const adminFeed = subscribe<LeadEvent>(t.ws(t.config.bootstrapAdminToken), 'subscription { leadEvents { type lead { id state } } }');
    await new Promise((r) => setTimeout(r, 100));

    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Dana', ...CONTACT } });
    expect(await offerStates(submitLead.id)).toEqual([[gone.id, 1, 'PENDING']]);
    const offered = await adminFeed.next();
    expect(offered.leadEvents.type).toBe('CREATED');
    expect((await adminFeed.next()).leadEvents.type).toBe('OFFERED');

    await t.admin.UpdateUser({ id: gone.id, input: { active: false } });

    // No time passed, yet the lead moved on.
    expect(await offerStates(submitLead.id)).toEqual([[gone.id, 1, 'EXPIRED'], [next.id, 2, 'PENDING']]);
    expect((await nextFeed.next()).offers).toMatchObject({ type: 'RECEIVED', offer: { state: 'PENDING', lead: { id: submitLead.id } } });
    expect((await next.sdk.MyOffers()).myOffers.map((x) => x.lead.id)).toEqual([submitLead.id]);
    // The same events as an expiry, live and in the audit trail; the EXPIRED one names the admin and why.
    expect([(await adminFeed.next()).leadEvents.type, (await adminFeed.next()).leadEvents.type]).toEqual(['EXPIRED', 'OFFERED']);
    const { lead } = await t.admin.LeadEventsOf({ id: submitLead.id });
    const admin = (await t.admin.Me()).me;
    expect(lead.state).toBe('ROUTING');
    expect(lead.events.map((e) => [e.type, e.agent?.id ?? null, e.actor?.id ?? null, e.note])).toEqual([
      ['CREATED', null, admin.id, null],
      ['OFFERED', gone.id, null, null],
      ['EXPIRED', gone.id, admin.id, 'the agent was deactivated'],
      ['OFFERED', next.id, null, null],
    ]);
    // The deactivated agent is sent nothing about it; the next agent gets the new offer's messages.
    const sent = (await t.admin.Notifications({ leadId: submitLead.id })).notifications;
    expect(sent.filter((n) => n.body.includes('expired'))).toEqual([]);
    expect(sent.filter((n) => n.to === next.email)).toHaveLength(1);
    nextFeed.close();
    adminFeed.close();
  });

  it('a direct lead waiting days for its agent goes to general routing at once', async () => {
    const o = await office();
    const [gone, other] = await createAgents(t, 2, { officeIds: [o] });
    const source = await createSource(t, {
      officeIds: [o], allowDirectToUser: true, directToUserAutoAccept: false, directToUserWindowSeconds: 7 * 24 * HOUR,
      acceptanceWindowSeconds: HOUR,
    });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Lee', targetUserId: gone.id } });
    expect(submitLead.kind).toBe('DIRECT_TO_USER');
    expect(await offerStates(submitLead.id)).toEqual([[gone.id, 1, 'PENDING']]);

    await t.admin.UpdateUser({ id: gone.id, input: { active: false } });

    expect(await offerStates(submitLead.id)).toEqual([[gone.id, 1, 'EXPIRED'], [other.id, 2, 'PENDING']]);
    const { myOffers } = await other.sdk.MyOffers();
    expect(myOffers.map((x) => [x.lead.id, x.round])).toEqual([[submitLead.id, 2]]);
    // An hour from now (the general window), not seven days.
    expect(Date.parse(myOffers[0]?.expiresAt ?? '') - clock.now()).toBe(HOUR * 1000);
  });

  it('every pending offer of the agent closes, one per lead, and a lead with offers still out waits for them', async () => {
    const o = await office();
    const [gone, racer, spare] = await createAgents(t, 3, { officeIds: [o] });
    const single = await createSource(t, { officeIds: [o], raceAgentCount: 1, acceptanceWindowSeconds: HOUR });
    const { submitLead: first } = await t.admin.SubmitLead({ input: { sourceId: single.id, firstName: 'One' } });
    // The rotation moved on: make the second lead a race of everyone, so gone is in it too.
    const race = await createSource(t, { officeIds: [o], raceAgentCount: 3, acceptanceWindowSeconds: HOUR });
    const { submitLead: second } = await t.admin.SubmitLead({ input: { sourceId: race.id, firstName: 'Two' } });
    expect(await offerStates(first.id)).toEqual([[gone.id, 1, 'PENDING']]);
    expect((await offerStates(second.id)).map(([, , state]) => state)).toEqual(['PENDING', 'PENDING', 'PENDING']);

    await t.admin.UpdateUser({ id: gone.id, input: { active: false } });

    expect(await offerStates(first.id)).toEqual([[gone.id, 1, 'EXPIRED'], [racer.id, 2, 'PENDING']]);
    // The race goes on with the two agents still in it: no new round while they may answer.
    expect((await offerStates(second.id)).sort()).toEqual([[gone.id, 1, 'EXPIRED'], [racer.id, 1, 'PENDING'], [spare.id, 1, 'PENDING']].sort());
  });

  it('a deactivation that is refused closes nothing (one transaction)', async () => {
    const o = await office();
    const [agent] = await createAgents(t, 1, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1, acceptanceWindowSeconds: HOUR });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Kept' } });
    const taken = (await t.admin.Me()).me.email;
    expect(await errorCode(t.admin.UpdateUser({ id: agent.id, input: { active: false, email: taken } }))).toBe('CONFLICT');
    expect(await offerStates(submitLead.id)).toEqual([[agent.id, 1, 'PENDING']]);
    expect((await agent.sdk.MyOffers()).myOffers.map((x) => x.lead.id)).toEqual([submitLead.id]);
  });
});

describe('an admin giving a routing lead to an agent who holds an offer of it', () => {
  it("makes that agent's offer ACCEPTED and sends them the contact details; the others' offers are TAKEN", async () => {
    const o = await office();
    const chosen = await createContactableAgent(t, { officeIds: [o] });
    const other = await createContactableAgent(t, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 2, acceptanceWindowSeconds: HOUR });
    const chosenFeed = subscribe<OfferEvent>(t.ws(chosen.token), OFFERS);
    const otherFeed = subscribe<OfferEvent>(t.ws(other.token), OFFERS);
    await new Promise((r) => setTimeout(r, 100));
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Dana', ...CONTACT, message: 'Zilker, 3 bedrooms' } });
    expect((await chosenFeed.next()).offers.type).toBe('RECEIVED');
    expect((await otherFeed.next()).offers.type).toBe('RECEIVED');
    const offerMessages = (await t.admin.Notifications({ leadId: submitLead.id })).notifications.length;

    const { setLeadOwner } = await t.admin.SetLeadOwner({ leadId: submitLead.id, userId: chosen.id, note: 'knows the area' });
    expect(setLeadOwner).toMatchObject({ state: 'ASSIGNED', owner: { id: chosen.id } });

    expect((await offerStates(submitLead.id)).sort()).toEqual([[chosen.id, 1, 'ACCEPTED'], [other.id, 1, 'TAKEN']].sort());
    expect((await chosenFeed.next()).offers).toMatchObject({ type: 'ACCEPTED', offer: { state: 'ACCEPTED' } });
    expect((await otherFeed.next()).offers).toMatchObject({ type: 'TAKEN', offer: { state: 'TAKEN' } });

    // What was written to each agent after the assignment: the chosen one gets the winner's
    // confirmation with the contact details by SMS and email, never "taken by another agent"; the
    // other one is told it was taken, without them.
    const after = (await t.admin.Notifications({ leadId: submitLead.id })).notifications.slice(offerMessages);
    const toChosen = after.filter((n) => n.to === chosen.email || n.to === chosen.phone);
    expect(toChosen.map((n) => n.channel).sort()).toEqual(['email', 'sms']);
    for (const n of toChosen) {
      expect(n.body).toContain(CONTACT.email);
      expect(n.body).toContain(CONTACT.phone);
      expect(n.body).toContain('assigned');
      expect(n.body).not.toContain('taken by another agent');
    }
    const toOther = after.filter((n) => n.to === other.email || n.to === other.phone);
    expect(toOther.map((n) => n.channel).sort()).toEqual(['email', 'sms']);
    for (const n of toOther) {
      expect(n.body).toMatch(/taken by another agent|Another agent accepted the lead/);
      expect(n.body).not.toContain(CONTACT.email);
    }
    expect(after).toHaveLength(4);

    // The chosen agent sees the lead in full, as a winner does.
    const { lead } = await chosen.sdk.Lead({ id: submitLead.id });
    expect(lead).toMatchObject({ owner: { id: chosen.id }, email: CONTACT.email, phone: CONTACT.phone });
    chosenFeed.close();
    otherFeed.close();
  });

  it('an agent who holds no offer of the lead is simply made its owner; every offer is TAKEN', async () => {
    const o = await office();
    const [offered, outsider] = await createAgents(t, 2, { officeIds: [o] });
    const source = await createSource(t, { officeIds: [o], raceAgentCount: 1, acceptanceWindowSeconds: HOUR });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Sam' } });
    expect(await offerStates(submitLead.id)).toEqual([[offered.id, 1, 'PENDING']]);
    await t.admin.SetLeadOwner({ leadId: submitLead.id, userId: outsider.id });
    expect(await offerStates(submitLead.id)).toEqual([[offered.id, 1, 'TAKEN']]);
  });
});
