// Working a lead through the real server: status codes, owner and users, the unassigned pool.
// Every permission is checked both ways: admin, owner (company setting on and off), user, an agent
// who was only offered the lead (sees it, may not change it), and a stranger (cannot see it).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { createAgent, createAgents, createSource, type TestAgent } from '../support/brokerage.js';
import { ADMIN_TOKEN, errorCode, graphqlError, startTestServer, type TestServer } from '../support/server.js';
import { subscribe } from '../support/subscription.js';

let t: TestServer;
const clock = new ManualClock();
let sourceId: string;

beforeAll(async () => {
  t = await startTestServer({ clock });
  sourceId = (await createSource(t)).id;
});
afterAll(async () => { await t.close(); });
beforeEach(async () => {
  await t.admin.UpdateCompanySettings({ input: { agentsCanChangeOwner: false, agentsCanChangeUsers: false } });
});

async function settings(agentsCanChangeOwner: boolean, agentsCanChangeUsers: boolean) {
  await t.admin.UpdateCompanySettings({ input: { agentsCanChangeOwner, agentsCanChangeUsers } });
}

/** A direct, auto-accepted lead: owned by `owner` at once, with no routing to other agents. */
async function ownedLead(owner: TestAgent): Promise<string> {
  const { submitLead } = await t.admin.SubmitLead({ input: { sourceId, targetUserId: owner.id, firstName: 'Pat', email: 'pat@example.com' } });
  return submitLead.id;
}

/** A lead with an owner, one user and a stranger who has nothing to do with it. */
async function team() {
  const [owner, user, stranger, other] = await createAgents(t, 4);
  const leadId = await ownedLead(owner);
  await t.admin.AddLeadUser({ leadId, userId: user.id });
  return { owner, user, stranger, other, leadId };
}

async function statusCode(name: string): Promise<string> {
  const { statusCodes } = await t.admin.StatusCodes();
  const code = statusCodes.find((c) => c.name === name);
  if (!code) throw new Error(`no status code ${name}`);
  return code.id;
}

async function events(leadId: string) {
  return (await t.admin.LeadEventsOf({ id: leadId })).lead;
}

describe('status codes', () => {
  it('new leads get the default code; the owner, a user and an admin set the status, each change an event', async () => {
    const { owner, user, leadId } = await team();
    const showing = await statusCode('Showing Houses');
    const closed = await statusCode('Closed');
    expect((await events(leadId)).status?.name).toBe('New');

    expect((await owner.sdk.SetLeadStatus({ leadId, statusCodeId: showing })).setLeadStatus.status).toEqual({ id: showing, name: 'Showing Houses' });
    expect((await user.sdk.SetLeadStatus({ leadId, statusCodeId: closed })).setLeadStatus.status?.id).toBe(closed);
    expect((await t.admin.SetLeadStatus({ leadId, statusCodeId: showing })).setLeadStatus.status?.id).toBe(showing);

    const changes = (await events(leadId)).events.filter((e) => e.type === 'STATUS_CHANGED');
    expect(changes.map((e) => [e.actor?.id, e.statusCode?.id])).toEqual([[owner.id, showing], [user.id, closed], [expect.any(String), showing]]);
  });

  it('a stranger cannot find the lead to set its status; an agent only offered it is FORBIDDEN', async () => {
    const { stranger, leadId } = await team();
    const closed = await statusCode('Closed');
    expect(await errorCode(stranger.sdk.SetLeadStatus({ leadId, statusCodeId: closed }))).toBe('NOT_FOUND');

    const { createOffice } = await t.admin.CreateOffice({ name: `Solo ${Math.random()}` });
    const offered = await createAgent(t, { officeIds: [createOffice.id] });
    const general = await createSource(t, { officeIds: [createOffice.id] });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: general.id, firstName: 'Gen' } });
    expect((await offered.sdk.MyOffers()).myOffers.map((o) => o.lead.id)).toEqual([submitLead.id]);
    expect(await errorCode(offered.sdk.SetLeadStatus({ leadId: submitLead.id, statusCodeId: closed }))).toBe('FORBIDDEN');
    expect(await errorCode(offered.sdk.SetLeadOwner({ leadId: submitLead.id, userId: offered.id }))).toBe('FORBIDDEN');
    await t.admin.ReturnLeadToBroker({ leadId: submitLead.id });
  });

  it('an archived code cannot be chosen, an unknown one neither (BAD_USER_INPUT statusCodeId), and nothing changes', async () => {
    const { owner, leadId } = await team();
    const { createStatusCode } = await t.admin.CreateStatusCode({ name: `Old ${Math.random()}` });
    await t.admin.UpdateStatusCode({ id: createStatusCode.id, input: { archived: true } });
    const archived = await graphqlError(owner.sdk.SetLeadStatus({ leadId, statusCodeId: createStatusCode.id }));
    expect(archived).toMatchObject({ code: 'BAD_USER_INPUT', field: 'statusCodeId' });
    expect(await graphqlError(owner.sdk.SetLeadStatus({ leadId, statusCodeId: '999999' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'statusCodeId' });
    const lead = await events(leadId);
    expect(lead.status?.name).toBe('New');
    expect(lead.events.some((e) => e.type === 'STATUS_CHANGED')).toBe(false);
  });
});

describe('users of a lead', () => {
  it('an admin adds and removes users whatever the settings; the notes are kept on USER_ADDED and USER_REMOVED', async () => {
    const { leadId, other } = await team();
    expect((await t.admin.AddLeadUserWithNote({ leadId, userId: other.id, note: 'covers weekends' })).addLeadUser.users.map((u) => u.id)).toContain(other.id);
    expect((await t.admin.RemoveLeadUserWithNote({ leadId, userId: other.id, note: 'back from leave' })).removeLeadUser.users.map((u) => u.id)).not.toContain(other.id);
    const evs = (await events(leadId)).events;
    expect(evs.filter((e) => e.type === 'USER_ADDED' && e.agent?.id === other.id).map((e) => e.note)).toEqual(['covers weekends']);
    expect(evs.filter((e) => e.type === 'USER_REMOVED').map((e) => [e.agent?.id, e.note])).toEqual([[other.id, 'back from leave']]);
  });

  it('the owner changes users only when agentsCanChangeUsers is on', async () => {
    const { owner, other, leadId } = await team();
    expect(await errorCode(owner.sdk.AddLeadUser({ leadId, userId: other.id }))).toBe('FORBIDDEN');
    await settings(false, true);
    expect((await owner.sdk.AddLeadUser({ leadId, userId: other.id })).addLeadUser.users.map((u) => u.id)).toContain(other.id);
    expect((await owner.sdk.RemoveLeadUser({ leadId, userId: other.id })).removeLeadUser.users.map((u) => u.id)).not.toContain(other.id);
    await settings(true, false);
    expect(await errorCode(owner.sdk.AddLeadUser({ leadId, userId: other.id }))).toBe('FORBIDDEN');
  });

  it('a user sees the contact details but cannot change users; a stranger gets NOT_FOUND', async () => {
    await settings(true, true);
    const { user, stranger, other, leadId } = await team();
    expect((await user.sdk.Lead({ id: leadId })).lead.email).toBe('pat@example.com');
    expect(await errorCode(user.sdk.AddLeadUser({ leadId, userId: other.id }))).toBe('FORBIDDEN');
    expect(await errorCode(user.sdk.RemoveLeadUser({ leadId, userId: user.id }))).toBe('FORBIDDEN');
    expect(await errorCode(stranger.sdk.AddLeadUser({ leadId, userId: stranger.id }))).toBe('NOT_FOUND');
    expect(await errorCode(stranger.sdk.Lead({ id: leadId }))).toBe('NOT_FOUND');
  });

  it('a new user must be an active user and not the owner; removing a non-user is BAD_USER_INPUT', async () => {
    const { owner, other, leadId } = await team();
    const gone = await createAgent(t);
    await t.admin.UpdateUser({ id: gone.id, input: { active: false } });
    expect(await graphqlError(t.admin.AddLeadUser({ leadId, userId: gone.id }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(await graphqlError(t.admin.AddLeadUser({ leadId, userId: '999999' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(await graphqlError(t.admin.AddLeadUser({ leadId, userId: owner.id }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(await graphqlError(t.admin.RemoveLeadUser({ leadId, userId: other.id }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
  });
});

describe('owner', () => {
  it('an admin hands the lead on with a note on OWNER_CHANGED; the old owner loses the contact details', async () => {
    const { owner, other, leadId } = await team();
    const { setLeadOwner } = await t.admin.SetLeadOwner({ leadId, userId: other.id, note: 'moved to Austin office' });
    expect(setLeadOwner).toEqual({ id: leadId, state: 'ASSIGNED', owner: { id: other.id } });
    const changed = (await events(leadId)).events.filter((e) => e.type === 'OWNER_CHANGED');
    expect(changed.map((e) => [e.agent?.id, e.note])).toEqual([[other.id, 'moved to Austin office']]);
    // The old owner was offered the lead (its direct offer), so they still see it, as any offered agent does.
    expect((await owner.sdk.Lead({ id: leadId })).lead).toMatchObject({ email: null, owner: null });
    expect(await errorCode(owner.sdk.SetLeadStatus({ leadId, statusCodeId: await statusCode('Closed') }))).toBe('FORBIDDEN');
    expect((await other.sdk.Lead({ id: leadId })).lead.email).toBe('pat@example.com');
  });

  it('the owner hands the lead on only when agentsCanChangeOwner is on; users never; strangers cannot find it', async () => {
    const { owner, user, stranger, other, leadId } = await team();
    expect(await errorCode(owner.sdk.SetLeadOwner({ leadId, userId: other.id }))).toBe('FORBIDDEN');
    await settings(true, true);
    expect(await errorCode(user.sdk.SetLeadOwner({ leadId, userId: user.id }))).toBe('FORBIDDEN');
    expect(await errorCode(stranger.sdk.SetLeadOwner({ leadId, userId: stranger.id }))).toBe('NOT_FOUND');
    expect((await owner.sdk.SetLeadOwner({ leadId, userId: other.id })).setLeadOwner.owner?.id).toBe(other.id);
  });

  it('a new owner who was a user of the lead stops being a user; an inactive one is BAD_USER_INPUT userId', async () => {
    const { user, leadId } = await team();
    const gone = await createAgent(t);
    await t.admin.UpdateUser({ id: gone.id, input: { active: false } });
    expect(await graphqlError(t.admin.SetLeadOwner({ leadId, userId: gone.id }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    await t.admin.SetLeadOwner({ leadId, userId: user.id });
    const lead = await events(leadId);
    expect(lead.owner?.id).toBe(user.id);
    expect(lead.users).toEqual([]);
  });
});

describe('the unassigned pool', () => {
  it('returnLeadToBroker (admin) leaves the lead UNASSIGNED with no owner or users, noted on UNASSIGNED', async () => {
    const { owner, user, leadId } = await team();
    expect(await errorCode(owner.sdk.ReturnLeadToBroker({ leadId }))).toBe('FORBIDDEN');
    const { returnLeadToBroker } = await t.admin.ReturnLeadToBroker({ leadId, note: 'agent left' });
    expect(returnLeadToBroker).toEqual({ id: leadId, state: 'UNASSIGNED', owner: null });
    const lead = await events(leadId);
    expect(lead.users).toEqual([]);
    const last = lead.events.at(-1);
    expect(last).toMatchObject({ type: 'UNASSIGNED', note: 'agent left', agent: { id: owner.id } });
    expect(await errorCode(user.sdk.Lead({ id: leadId }))).toBe('NOT_FOUND');
  });

  it('setLeadOwner on an UNASSIGNED lead assigns it: ASSIGNED, with OWNER_CHANGED and ASSIGNED events', async () => {
    const { leadId, other } = await team();
    await t.admin.ReturnLeadToBroker({ leadId });
    expect((await t.admin.SetLeadOwner({ leadId, userId: other.id, note: 'walk-in' })).setLeadOwner).toEqual({ id: leadId, state: 'ASSIGNED', owner: { id: other.id } });
    const evs = (await events(leadId)).events;
    expect(evs.slice(-2).map((e) => [e.type, e.agent?.id])).toEqual([['OWNER_CHANGED', other.id], ['ASSIGNED', other.id]]);
  });

  it("setLeadOwner on a ROUTING lead ends the race: the other racers' pending offers become TAKEN and they are told; the new owner's own offer is theirs", async () => {
    const { createOffice } = await t.admin.CreateOffice({ name: `Race ${Math.random()}` });
    const [a, b] = await createAgents(t, 2, { officeIds: [createOffice.id] });
    const source = await createSource(t, { officeIds: [createOffice.id], raceAgentCount: 2 });
    const sub = subscribe<{ offers: { type: string; offer: { id: string; state: string } } }>(
      t.ws(a.token), 'subscription { offers { type offer { id state } } }');
    await new Promise((r) => setTimeout(r, 100));
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Race' } });
    expect((await sub.next()).offers.type).toBe('RECEIVED');

    const { setLeadOwner } = await t.admin.SetLeadOwner({ leadId: submitLead.id, userId: b.id });
    expect(setLeadOwner).toEqual({ id: submitLead.id, state: 'ASSIGNED', owner: { id: b.id } });
    expect((await sub.next()).offers).toMatchObject({ type: 'TAKEN', offer: { state: 'TAKEN' } });
    const { lead } = await t.admin.Lead({ id: submitLead.id });
    // b, the new owner, was one of the racers: their offer ends ACCEPTED, not taken (issue 12, point 8).
    expect(lead.offers.map((o) => [o.agent.id, o.state])).toEqual([[a.id, 'TAKEN'], [b.id, 'ACCEPTED']]);
    expect((await a.sdk.MyOffers()).myOffers).toEqual([]);
    sub.close();
  });
});

describe('live', () => {
  it('the events reach the admins and the lead\'s owner and users on leadEvents, and not a stranger', async () => {
    await settings(false, true);
    const { owner, user, stranger, other, leadId } = await team();
    const query = 'subscription { leadEvents { type note lead { id } } }';
    type Ev = { leadEvents: { type: string; note: string | null; lead: { id: string } } };
    const subs = {
      admin: subscribe<Ev>(t.ws(ADMIN_TOKEN), query),
      owner: subscribe<Ev>(t.ws(owner.token), query),
      user: subscribe<Ev>(t.ws(user.token), query),
      stranger: subscribe<Ev>(t.ws(stranger.token), query),
    };
    await new Promise((r) => setTimeout(r, 150));

    await user.sdk.SetLeadStatus({ leadId, statusCodeId: await statusCode('Closed') });
    await owner.sdk.AddLeadUserWithNote({ leadId, userId: other.id, note: 'second pair of hands' });
    for (const who of ['admin', 'owner', 'user'] as const) {
      const mine = [await subs[who].next(), await subs[who].next()].map((e) => e.leadEvents).filter((e) => e.lead.id === leadId);
      expect(mine.map((e) => [e.type, e.note])).toEqual([['STATUS_CHANGED', null], ['USER_ADDED', 'second pair of hands']]);
    }
    // The stranger's stream carries nothing of this lead (the admin saw both events first).
    expect(subs.stranger.buffered.filter((e) => e.leadEvents.lead.id === leadId)).toEqual([]);
    for (const s of Object.values(subs)) s.close();
  });

  it('whoever loses the lead hears the event that took it, with the lead but none of its contact details, and nothing after', async () => {
    const { owner, user, other, leadId } = await team();
    const [newOwner] = await createAgents(t, 1);
    const query = 'subscription { leadEvents { type lead { id firstName email phone } } }';
    type Ev = { leadEvents: { type: string; lead: { id: string; firstName: string; email: string | null; phone: string | null } } };
    const subs = { owner: subscribe<Ev>(t.ws(owner.token), query), user: subscribe<Ev>(t.ws(user.token), query), other: subscribe<Ev>(t.ws(other.token), query) };
    await new Promise((r) => setTimeout(r, 150));

    // The user is removed: they hear USER_REMOVED (limited view); the owner hears it in full.
    await t.admin.RemoveLeadUser({ leadId, userId: user.id });
    const removed = (await subs.user.next()).leadEvents;
    expect(removed).toMatchObject({ type: 'USER_REMOVED', lead: { id: leadId, email: null, phone: null } });
    expect(removed.lead.firstName).toBeTruthy();
    expect((await subs.owner.next()).leadEvents).toMatchObject({ type: 'USER_REMOVED', lead: { id: leadId } });
    expect((await subs.owner.next(0).catch(() => null))).toBeNull();

    // The owner is replaced: the old owner hears OWNER_CHANGED, limited; then nothing more.
    await t.admin.SetLeadOwner({ leadId, userId: newOwner.id });
    expect((await subs.owner.next()).leadEvents).toMatchObject({ type: 'OWNER_CHANGED', lead: { id: leadId, email: null, phone: null } });
    await t.admin.SetLeadStatus({ leadId, statusCodeId: await statusCode('Closed') });
    await t.admin.AddLeadUser({ leadId, userId: other.id });
    expect((await subs.other.next()).leadEvents).toMatchObject({ type: 'USER_ADDED', lead: { id: leadId } });

    // Back to the broker: the owner and the user both hear it, once, limited.
    const ownerSub = subscribe<Ev>(t.ws(newOwner.token), query);
    await new Promise((r) => setTimeout(r, 150));
    await t.admin.ReturnLeadToBroker({ leadId });
    for (const sub of [ownerSub, subs.other]) {
      expect((await sub.next()).leadEvents).toMatchObject({ type: 'UNASSIGNED', lead: { id: leadId, email: null, phone: null } });
    }
    // Those who lost the lead earlier heard none of the later events.
    expect(subs.user.buffered).toEqual([]);
    expect(subs.owner.buffered).toEqual([]);
    for (const s of [...Object.values(subs), ownerSub]) s.close();
  });
});
