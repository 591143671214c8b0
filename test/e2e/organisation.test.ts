// Organisation over the real server: tags, lead groups, halts, availability and company settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { errorCode, graphqlError, startTestServer, type Sdk, type TestServer } from '../support/server.js';

let t: TestServer;
let agent: { id: string; sdk: Sdk };
let other: { id: string; sdk: Sdk };
let anon: Sdk;

beforeAll(async () => {
  t = await startTestServer();
  agent = await makeAgent(t, 'org-agent@example.com');
  other = await makeAgent(t, 'org-other@example.com');
  anon = t.sdk(null);
});
afterAll(async () => { await t.close(); });

async function makeAgent(server: TestServer, email: string) {
  const { createUser } = await server.admin.CreateUser({ input: { name: 'Agent ' + email, email, role: 'AGENT' } });
  const { issueApiToken } = await server.admin.IssueApiToken({ userId: createUser.id });
  return { id: createUser.id, sdk: server.sdk(issueApiToken.token) };
}

async function userById(id: string) {
  const found = (await t.admin.Users()).users.find((u) => u.id === id);
  if (!found) throw new Error(`user ${id} not listed`);
  return found;
}

const inOneDay = () => new Date(Date.now() + 24 * 3600_000).toISOString();

describe('tags', () => {
  it('an admin creates tags, any signed-in user lists them by name', async () => {
    const luxury = (await t.admin.CreateTag({ name: 'Luxury Agent' })).createTag;
    expect(luxury).toEqual({ id: expect.any(String), name: 'Luxury Agent' });
    await t.admin.CreateTag({ name: 'Farm and Ranch Specialist' });
    const names = (await agent.sdk.Tags()).tags.map((x) => x.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['Luxury Agent', 'Farm and Ranch Specialist']));
  });

  it("setUserTags replaces the user's tags, and they show in users and me", async () => {
    const a = (await t.admin.CreateTag({ name: 'Tag A' })).createTag;
    const b = (await t.admin.CreateTag({ name: 'Tag B' })).createTag;
    const first = (await t.admin.SetUserTags({ userId: agent.id, tagIds: [a.id, b.id] })).setUserTags;
    expect(first).toEqual({ id: agent.id, tags: [a, b] });
    const second = (await t.admin.SetUserTags({ userId: agent.id, tagIds: [b.id] })).setUserTags;
    expect(second.tags).toEqual([b]);
    expect((await userById(agent.id)).tags).toEqual([b]);
    expect((await agent.sdk.Me()).me.tags).toEqual([b]);
    expect((await t.admin.SetUserTags({ userId: agent.id, tagIds: [] })).setUserTags.tags).toEqual([]);
  });

  it('a duplicate tag name is CONFLICT on name, and no second tag is written', async () => {
    await t.admin.CreateTag({ name: 'Unique Tag' });
    expect(await graphqlError(t.admin.CreateTag({ name: 'Unique Tag' }))).toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect((await t.admin.Tags()).tags.filter((x) => x.name === 'Unique Tag')).toHaveLength(1);
  });

  it('an empty tag name is BAD_USER_INPUT on name', async () => {
    const before = (await t.admin.Tags()).tags.length;
    expect(await graphqlError(t.admin.CreateTag({ name: '   ' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    expect((await t.admin.Tags()).tags.length).toBe(before);
  });

  it("an unknown tag id is BAD_USER_INPUT on tagIds, and the user's tags stay as they were", async () => {
    const kept = (await t.admin.CreateTag({ name: 'Kept' })).createTag;
    await t.admin.SetUserTags({ userId: other.id, tagIds: [kept.id] });
    expect(await graphqlError(t.admin.SetUserTags({ userId: other.id, tagIds: [kept.id, '999999'] })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'tagIds' });
    expect(await graphqlError(t.admin.SetUserTags({ userId: other.id, tagIds: ['not-an-id'] })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'tagIds' });
    expect((await userById(other.id)).tags).toEqual([kept]);
  });

  it('setUserTags on an unknown user is NOT_FOUND', async () => {
    expect(await errorCode(t.admin.SetUserTags({ userId: '999999', tagIds: [] }))).toBe('NOT_FOUND');
  });
});

describe('lead groups', () => {
  it('an admin creates a lead group of agents and admins, and lists it with its members', async () => {
    const adminId = (await t.admin.Me()).me.id;
    const { createLeadGroup } = await t.admin.CreateLeadGroup({ name: 'Luxury Team', memberIds: [agent.id, adminId] });
    expect(createLeadGroup.name).toBe('Luxury Team');
    expect(createLeadGroup.members.map((m) => m.id).sort()).toEqual([agent.id, adminId].sort());
    const listed = (await t.admin.LeadGroups()).leadGroups.find((g) => g.id === createLeadGroup.id);
    expect(listed).toEqual(createLeadGroup);
  });

  it('an inactive user may be a member', async () => {
    const leaving = await makeAgent(t, 'inactive-member@example.com');
    await t.admin.UpdateUser({ id: leaving.id, input: { active: false } });
    const { createLeadGroup } = await t.admin.CreateLeadGroup({ name: 'With Inactive', memberIds: [leaving.id] });
    expect(createLeadGroup.members).toEqual([{ id: leaving.id }]);
  });

  it('updateLeadGroup changes only what it is given; memberIds replaces the membership', async () => {
    const g = (await t.admin.CreateLeadGroup({ name: 'Ranch Team', memberIds: [agent.id] })).createLeadGroup;
    const renamed = (await t.admin.UpdateLeadGroup({ id: g.id, input: { name: 'Farm and Ranch Team' } })).updateLeadGroup;
    expect(renamed).toEqual({ id: g.id, name: 'Farm and Ranch Team', members: [{ id: agent.id }] });
    const moved = (await t.admin.UpdateLeadGroup({ id: g.id, input: { memberIds: [other.id] } })).updateLeadGroup;
    expect(moved).toEqual({ id: g.id, name: 'Farm and Ranch Team', members: [{ id: other.id }] });
    const emptied = (await t.admin.UpdateLeadGroup({ id: g.id, input: { memberIds: [] } })).updateLeadGroup;
    expect(emptied.members).toEqual([]);
  });

  it('an unknown member id is BAD_USER_INPUT on memberIds, and nothing is written', async () => {
    const before = (await t.admin.LeadGroups()).leadGroups;
    expect(await graphqlError(t.admin.CreateLeadGroup({ name: 'Ghosts', memberIds: [agent.id, '999999'] })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'memberIds' });
    const g = (await t.admin.CreateLeadGroup({ name: 'Solid', memberIds: [agent.id] })).createLeadGroup;
    expect(await graphqlError(t.admin.UpdateLeadGroup({ id: g.id, input: { name: 'Renamed', memberIds: ['999999'] } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'memberIds' });
    const after = (await t.admin.LeadGroups()).leadGroups;
    expect(after.map((x) => x.name)).not.toContain('Ghosts');
    expect(after.find((x) => x.id === g.id)).toEqual({ id: g.id, name: 'Solid', members: [{ id: agent.id }] });
    expect(after.length).toBe(before.length + 1);
  });

  it('a duplicate lead group name is CONFLICT on name, on create and on rename', async () => {
    await t.admin.CreateLeadGroup({ name: 'Taken Name', memberIds: [] });
    const g = (await t.admin.CreateLeadGroup({ name: 'Free Name', memberIds: [] })).createLeadGroup;
    expect(await graphqlError(t.admin.CreateLeadGroup({ name: 'Taken Name', memberIds: [] })))
      .toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect(await graphqlError(t.admin.UpdateLeadGroup({ id: g.id, input: { name: 'Taken Name' } })))
      .toMatchObject({ code: 'CONFLICT', field: 'name' });
    const names = (await t.admin.LeadGroups()).leadGroups.map((x) => x.name);
    expect(names.filter((n) => n === 'Taken Name')).toHaveLength(1);
    expect(names).toContain('Free Name');
  });

  it('an empty lead group name is BAD_USER_INPUT on name', async () => {
    expect(await graphqlError(t.admin.CreateLeadGroup({ name: ' ', memberIds: [] })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  it('updating an unknown lead group is NOT_FOUND', async () => {
    expect(await errorCode(t.admin.UpdateLeadGroup({ id: '999999', input: { name: 'X' } }))).toBe('NOT_FOUND');
  });
});

describe('halts', () => {
  it('a halt with an end shows in users and in me, and resuming clears it', async () => {
    const halted = await makeAgent(t, 'vacation@example.com');
    const until = inOneDay();
    const { haltUser } = await t.admin.HaltUser({ userId: halted.id, until, reason: 'Vacation' });
    expect(haltUser).toEqual({ id: halted.id, halt: { until, reason: 'Vacation' } });
    expect((await userById(halted.id)).halt).toEqual({ until, reason: 'Vacation' });
    expect((await halted.sdk.Me()).me.halt).toEqual({ until, reason: 'Vacation' });

    const { resumeUser } = await t.admin.ResumeUser({ userId: halted.id });
    expect(resumeUser).toEqual({ id: halted.id, halt: null });
    expect((await userById(halted.id)).halt).toBeNull();
    expect((await halted.sdk.Me()).me.halt).toBeNull();
  });

  it('a halt without an end lasts until resumed', async () => {
    const leave = await makeAgent(t, 'leave@example.com');
    const { haltUser } = await t.admin.HaltUser({ userId: leave.id });
    expect(haltUser.halt).toEqual({ until: null, reason: null });
    expect((await userById(leave.id)).halt).toEqual({ until: null, reason: null });
  });

  it('a halt whose end is in the past is BAD_USER_INPUT on until, and the user is not halted', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(await graphqlError(t.admin.HaltUser({ userId: other.id, until: past, reason: 'Oops' })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'until' });
    expect((await userById(other.id)).halt).toBeNull();
  });

  it('halting or resuming an unknown user is NOT_FOUND', async () => {
    expect(await errorCode(t.admin.HaltUser({ userId: '999999', until: inOneDay() }))).toBe('NOT_FOUND');
    expect(await errorCode(t.admin.ResumeUser({ userId: '999999' }))).toBe('NOT_FOUND');
  });

  it('a halt ends by itself when its until passes', async () => {
    const clock = new ManualClock();
    const s = await startTestServer({ clock });
    try {
      const a = await makeAgent(s, 'expiring@example.com');
      const until = new Date(clock.now() + 3600_000).toISOString();
      await s.admin.HaltUser({ userId: a.id, until, reason: 'Appointment' });
      expect((await a.sdk.Me()).me.halt).toEqual({ until, reason: 'Appointment' });
      await clock.advance(3600_000 - 1);
      expect((await a.sdk.Me()).me.halt).not.toBeNull();
      await clock.advance(1);
      expect((await a.sdk.Me()).me.halt).toBeNull();
      expect((await s.admin.Users()).users.find((u) => u.id === a.id)?.halt).toBeNull();
    } finally {
      await s.close();
    }
  });
});

describe('availability', () => {
  it("setMyAvailability flips inOffice for the caller only", async () => {
    expect((await userById(other.id)).inOffice).toBe(true);
    const out = (await agent.sdk.SetMyAvailability({ inOffice: false })).setMyAvailability;
    expect(out).toEqual({ id: agent.id, inOffice: false });
    expect((await userById(agent.id)).inOffice).toBe(false);
    expect((await userById(other.id)).inOffice).toBe(true);
    expect((await agent.sdk.SetMyAvailability({ inOffice: true })).setMyAvailability.inOffice).toBe(true);
    expect((await userById(agent.id)).inOffice).toBe(true);
  });

  it('setMyAvailability needs a signed-in caller', async () => {
    expect(await errorCode(anon.SetMyAvailability({ inOffice: false }))).toBe('UNAUTHENTICATED');
  });
});

describe('company settings', () => {
  it('a fresh install lets no agent change owners or users; any signed-in user may read the rules', async () => {
    expect((await agent.sdk.CompanySettings()).companySettings)
      .toEqual({ agentsCanChangeOwner: false, agentsCanChangeUsers: false });
    expect(await errorCode(anon.CompanySettings())).toBe('UNAUTHENTICATED');
  });

  it('updateCompanySettings changes the fields given and keeps the others', async () => {
    expect((await t.admin.UpdateCompanySettings({ input: { agentsCanChangeOwner: true } })).updateCompanySettings)
      .toEqual({ agentsCanChangeOwner: true, agentsCanChangeUsers: false });
    expect((await t.admin.UpdateCompanySettings({ input: { agentsCanChangeUsers: true } })).updateCompanySettings)
      .toEqual({ agentsCanChangeOwner: true, agentsCanChangeUsers: true });
    expect((await t.admin.UpdateCompanySettings({ input: { agentsCanChangeOwner: false, agentsCanChangeUsers: false } }))
      .updateCompanySettings).toEqual({ agentsCanChangeOwner: false, agentsCanChangeUsers: false });
    expect((await agent.sdk.CompanySettings()).companySettings)
      .toEqual({ agentsCanChangeOwner: false, agentsCanChangeUsers: false });
  });
});

describe('access', () => {
  it('every admin-only organisation operation refuses an agent (FORBIDDEN) and an anonymous caller (UNAUTHENTICATED), writing nothing', async () => {
    const tag = (await t.admin.CreateTag({ name: 'Access Tag' })).createTag;
    const group = (await t.admin.CreateLeadGroup({ name: 'Access Group', memberIds: [other.id] })).createLeadGroup;
    const tagsBefore = (await t.admin.Tags()).tags;
    const groupsBefore = (await t.admin.LeadGroups()).leadGroups;
    const otherBefore = await userById(other.id);
    const settingsBefore = (await t.admin.CompanySettings()).companySettings;

    for (const [caller, code] of [[agent.sdk, 'FORBIDDEN'], [anon, 'UNAUTHENTICATED']] as const) {
      expect(await errorCode(caller.CreateTag({ name: 'Sneaky' }))).toBe(code);
      expect(await errorCode(caller.SetUserTags({ userId: other.id, tagIds: [tag.id] }))).toBe(code);
      expect(await errorCode(caller.CreateLeadGroup({ name: 'Sneaky', memberIds: [agent.id] }))).toBe(code);
      expect(await errorCode(caller.UpdateLeadGroup({ id: group.id, input: { name: 'Sneaky', memberIds: [] } }))).toBe(code);
      expect(await errorCode(caller.LeadGroups())).toBe(code);
      expect(await errorCode(caller.HaltUser({ userId: other.id, until: inOneDay(), reason: 'Sneaky' }))).toBe(code);
      expect(await errorCode(caller.ResumeUser({ userId: other.id }))).toBe(code);
      expect(await errorCode(caller.UpdateCompanySettings({ input: { agentsCanChangeOwner: !settingsBefore.agentsCanChangeOwner } })))
        .toBe(code);
    }
    expect(await errorCode(anon.Tags())).toBe('UNAUTHENTICATED');

    expect((await t.admin.Tags()).tags).toEqual(tagsBefore);
    expect((await t.admin.LeadGroups()).leadGroups).toEqual(groupsBefore);
    expect(await userById(other.id)).toEqual(otherBefore);
    expect((await t.admin.CompanySettings()).companySettings).toEqual(settingsBefore);
  });

  it('resumeUser by an agent leaves an existing halt in force', async () => {
    const h = await makeAgent(t, 'still-halted@example.com');
    const until = inOneDay();
    await t.admin.HaltUser({ userId: h.id, until, reason: 'Leave' });
    expect(await errorCode(h.sdk.ResumeUser({ userId: h.id }))).toBe('FORBIDDEN');
    expect((await userById(h.id)).halt).toEqual({ until, reason: 'Leave' });
  });
});

describe('names created twice at the same moment', () => {
  // On SQLite writers take turns; on PostgreSQL (TEST_STORE=postgres) the requests run in concurrent
  // transactions under READ COMMITTED, where each one's "is the name free?" can pass before either
  // inserts: the loser must still be told CONFLICT on the field, never an internal error.
  const AT_ONCE = 6;
  /** What each call came to: 'created', or its GraphQL error's code and field; sorted. */
  const outcomes = async (calls: Promise<unknown>[]) => (await Promise.all(calls.map((call) => call.then(
    () => 'created',
    async (err: unknown) => {
      const { code, field } = await graphqlError(Promise.reject(err));
      return `${code} on ${field}`;
    },
  )))).sort();
  const expected = ['created', ...Array<string>(AT_ONCE - 1).fill('CONFLICT on name')].sort();

  it('an office, a tag, a lead group and a status code: one is created, every other request is CONFLICT on name', async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const times = <T>(make: () => Promise<T>) => Array.from({ length: AT_ONCE }, make);
    expect(await outcomes(times(() => t.admin.CreateOffice({ name: `Twin Office ${suffix}` })))).toEqual(expected);
    expect(await outcomes(times(() => t.admin.CreateTag({ name: `Twin Tag ${suffix}` })))).toEqual(expected);
    expect(await outcomes(times(() => t.admin.CreateLeadGroup({ name: `Twin Group ${suffix}`, memberIds: [] })))).toEqual(expected);
    expect(await outcomes(times(() => t.admin.CreateStatusCode({ name: `Twin Code ${suffix}` })))).toEqual(expected);
    expect((await t.admin.Tags()).tags.filter((x) => x.name === `Twin Tag ${suffix}`)).toHaveLength(1);
    expect((await t.admin.LeadGroups()).leadGroups.filter((x) => x.name === `Twin Group ${suffix}`)).toHaveLength(1);
  });

  it('status codes created at once, each with its own name, take distinct places at the end of the list', async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const created = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => t.admin.CreateStatusCode({ name: `Parallel ${suffix} ${i}` })));
    const positions = created.map((c) => c.createStatusCode.position).sort((a, b) => a - b);
    const last = Math.max(...(await t.admin.AllStatusCodes()).statusCodes.map((c) => c.position));
    expect(positions).toEqual(Array.from({ length: AT_ONCE }, (_, i) => last - AT_ONCE + 1 + i));
  });

  it('two users with one email: one is created, every other request is CONFLICT on email', async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const results = await outcomes(Array.from({ length: AT_ONCE }, (_, i) =>
      t.admin.CreateUser({ input: { name: `Twin ${suffix} ${i}`, email: `twin-${suffix}@example.com`, role: 'AGENT' } })));
    expect(results).toEqual(['created', ...Array<string>(AT_ONCE - 1).fill('CONFLICT on email')].sort());
    expect((await t.admin.Users()).users.filter((u) => u.name.startsWith(`Twin ${suffix} `))).toHaveLength(1);
  });
});
