// Lead sources and status codes over the real server: defaults, updates, validation, access.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeadSourceInput } from '../../src/sdk/generated.js';
import { keyOf } from '../support/brokerage.js';
import { errorCode, graphqlError, startTestServer, type Sdk, type TestServer } from '../support/server.js';

let t: TestServer;
let agentSdk: Sdk;
let anon: Sdk;
let north: string;
let south: string;
let group: string;

beforeAll(async () => {
  t = await startTestServer();
  const { createUser } = await t.admin.CreateUser({ input: { name: 'Source Agent', email: 'src-agent@example.com', role: 'AGENT' } });
  agentSdk = t.sdk((await t.admin.IssueApiToken({ userId: createUser.id })).issueApiToken.token);
  anon = t.sdk(null);
  north = (await t.admin.CreateOffice({ name: 'North' })).createOffice.id;
  south = (await t.admin.CreateOffice({ name: 'South' })).createOffice.id;
  group = (await t.admin.CreateLeadGroup({ name: 'Luxury Team', memberIds: [createUser.id] })).createLeadGroup.id;
});
afterAll(async () => { await t.close(); });

const source = async (id: string) => (await t.admin.LeadSource({ id })).leadSource;

describe('lead sources', () => {
  it("a created source's defaults equal the contract's, and it gets an unguessable public key", async () => {
    const { createLeadSource } = await t.admin.CreateLeadSource({ input: { name: 'Website' } });
    expect(createLeadSource).toEqual({
      id: expect.any(String),
      name: 'Website',
      publicKey: expect.stringMatching(/^src_[A-Za-z0-9_-]{32}$/),
      allowDirectToUser: true,
      directToUserAutoAccept: true,
      directToUserWindowSeconds: 900,
      acceptanceWindowSeconds: 900,
      raceAgentCount: 1,
      referralFeePercent: 0,
      offices: [],
      leadGroup: null,
    });
    const read = await source(createLeadSource.id);
    expect(read.thankYouUrl).toBeNull();
    expect(Number.isNaN(Date.parse(read.createdAt ?? ''))).toBe(false);
  });

  it('every field given on create is kept', async () => {
    const { createLeadSource } = await t.admin.CreateLeadSource({
      input: {
        name: 'Zillow', allowDirectToUser: false, directToUserAutoAccept: false, directToUserWindowSeconds: 600,
        officeIds: [south, north], leadGroupId: group, referralFeePercent: 25.5, acceptanceWindowSeconds: 300,
        raceAgentCount: 3, thankYouUrl: 'https://example.com/thanks',
      },
    });
    expect(await source(createLeadSource.id)).toMatchObject({
      name: 'Zillow', allowDirectToUser: false, directToUserAutoAccept: false, directToUserWindowSeconds: 600,
      offices: [{ id: north }, { id: south }].sort((a, b) => Number(a.id) - Number(b.id)), leadGroup: { id: group },
      referralFeePercent: 25.5, acceptanceWindowSeconds: 300, raceAgentCount: 3, thankYouUrl: 'https://example.com/thanks',
    });
  });

  it('an update replaces the fields given and keeps the others', async () => {
    const { createLeadSource: s } = await t.admin.CreateLeadSource({
      input: { name: 'Open House', officeIds: [north], leadGroupId: group, thankYouUrl: 'https://example.com/a' },
    });
    const { updateLeadSource } = await t.admin.UpdateLeadSource({
      id: s.id, input: { name: 'Open House Sign-in', raceAgentCount: 4, acceptanceWindowSeconds: 120 },
    });
    expect(updateLeadSource).toEqual({ id: s.id, name: 'Open House Sign-in', acceptanceWindowSeconds: 120, raceAgentCount: 4 });
    expect(await source(s.id)).toMatchObject({
      publicKey: s.publicKey, allowDirectToUser: true, directToUserAutoAccept: true, directToUserWindowSeconds: 900,
      referralFeePercent: 0, offices: [{ id: north }], leadGroup: { id: group }, thankYouUrl: 'https://example.com/a',
    });
  });

  it('officeIds [] means all offices; leadGroupId "" and thankYouUrl "" remove the group and the page', async () => {
    const { createLeadSource: s } = await t.admin.CreateLeadSource({
      input: { name: 'Portal', officeIds: [north], leadGroupId: group, thankYouUrl: 'http://example.com/t' },
    });
    await t.admin.UpdateLeadSource({ id: s.id, input: { name: 'Portal', officeIds: [], leadGroupId: '', thankYouUrl: '' } });
    expect(await source(s.id)).toMatchObject({ offices: [], leadGroup: null, thankYouUrl: null });
  });

  it('leadSources lists every source; public keys are unique', async () => {
    const listed = (await t.admin.LeadSources()).leadSources;
    expect(listed.length).toBeGreaterThanOrEqual(4);
    expect(new Set(listed.map((s) => s.publicKey)).size).toBe(listed.length);
    expect(listed.map((s) => s.name)).toEqual([...listed.map((s) => s.name)].sort());
  });

  it('rotateLeadSourceKey issues a new key; the old one no longer finds the source', async () => {
    const { createLeadSource: s } = await t.admin.CreateLeadSource({ input: { name: 'Rotating', officeIds: [south] } });
    const { rotateLeadSourceKey } = await t.admin.RotateLeadSourceKey({ id: s.id });
    expect(rotateLeadSourceKey.publicKey).toMatch(/^src_[A-Za-z0-9_-]{32}$/);
    expect(rotateLeadSourceKey.publicKey).not.toBe(s.publicKey);
    expect((await source(s.id)).publicKey).toBe(rotateLeadSourceKey.publicKey);
    const store = t.server.services.stores.sources;
    expect(await store.findSourceByPublicKey(keyOf(s))).toBeNull();
    expect(await store.findSourceByPublicKey(keyOf(rotateLeadSourceKey))).toMatchObject({ id: Number(s.id), officeIds: [Number(south)] });
    expect(await store.findSource(Number(s.id))).toMatchObject({ name: 'Rotating', officeIds: [Number(south)] });
  });

  it('an unknown source id is NOT_FOUND', async () => {
    expect(await errorCode(t.admin.LeadSource({ id: '999999' }))).toBe('NOT_FOUND');
    expect(await errorCode(t.admin.UpdateLeadSource({ id: '999999', input: { name: 'X' } }))).toBe('NOT_FOUND');
    expect(await errorCode(t.admin.RotateLeadSourceKey({ id: 'nope' }))).toBe('NOT_FOUND');
  });

  const invalid: [string, Partial<LeadSourceInput>][] = [
    ['name', { name: '   ' }],
    ['raceAgentCount', { raceAgentCount: 0 }],
    ['raceAgentCount', { raceAgentCount: 51 }],
    ['referralFeePercent', { referralFeePercent: -0.5 }],
    ['referralFeePercent', { referralFeePercent: 100.5 }],
    ['acceptanceWindowSeconds', { acceptanceWindowSeconds: 0 }],
    ['acceptanceWindowSeconds', { acceptanceWindowSeconds: 604801 }],
    ['directToUserWindowSeconds', { directToUserWindowSeconds: 0 }],
    ['directToUserWindowSeconds', { directToUserWindowSeconds: 604801 }],
    ['officeIds', { officeIds: ['999999'] }],
    ['leadGroupId', { leadGroupId: '999999' }],
    ['thankYouUrl', { thankYouUrl: 'ftp://example.com/thanks' }],
    ['thankYouUrl', { thankYouUrl: 'not a url' }],
  ];

  for (const [field, bad] of invalid) {
    it(`${field} ${JSON.stringify(Object.values(bad)[0])} is BAD_USER_INPUT on ${field}, on create and update, and writes nothing`, async () => {
      const before = (await t.admin.LeadSources()).leadSources;
      expect(await graphqlError(t.admin.CreateLeadSource({ input: { name: 'Bad Source', ...bad } })))
        .toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect((await t.admin.LeadSources()).leadSources).toEqual(before);

      const target = before.find((s) => s.name === 'Website');
      if (!target) throw new Error('the Website source is missing');
      const unchanged = await source(target.id);
      // A valid field next to the bad one must not be written either.
      expect(await graphqlError(t.admin.UpdateLeadSource({ id: target.id, input: { name: 'Website', raceAgentCount: 7, ...bad } })))
        .toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(await source(target.id)).toEqual(unchanged);
    });
  }

  it('the edges of each range are accepted', async () => {
    const { createLeadSource } = await t.admin.CreateLeadSource({
      input: {
        name: 'Edges', raceAgentCount: 50, referralFeePercent: 100, acceptanceWindowSeconds: 604800, directToUserWindowSeconds: 1,
      },
    });
    expect(createLeadSource).toMatchObject({
      raceAgentCount: 50, referralFeePercent: 100, acceptanceWindowSeconds: 604800, directToUserWindowSeconds: 1,
    });
    const { updateLeadSource } = await t.admin.UpdateLeadSource({
      id: createLeadSource.id, input: { name: 'Edges', raceAgentCount: 1, acceptanceWindowSeconds: 1 },
    });
    expect(updateLeadSource).toMatchObject({ raceAgentCount: 1, acceptanceWindowSeconds: 1 });
  });

  it('every lead source operation refuses an agent (FORBIDDEN) and an anonymous caller (UNAUTHENTICATED), writing nothing', async () => {
    const before = (await t.admin.LeadSources()).leadSources;
    const target = before[0];
    if (!target) throw new Error('no source to act on');
    const unchanged = await source(target.id);
    for (const [caller, code] of [[agentSdk, 'FORBIDDEN'], [anon, 'UNAUTHENTICATED']] as const) {
      expect(await errorCode(caller.CreateLeadSource({ input: { name: 'Sneaky' } }))).toBe(code);
      expect(await errorCode(caller.UpdateLeadSource({ id: target.id, input: { name: 'Sneaky', raceAgentCount: 9 } }))).toBe(code);
      expect(await errorCode(caller.RotateLeadSourceKey({ id: target.id }))).toBe(code);
      expect(await errorCode(caller.LeadSources())).toBe(code);
      expect(await errorCode(caller.LeadSource({ id: target.id }))).toBe(code);
    }
    expect((await t.admin.LeadSources()).leadSources).toEqual(before);
    expect(await source(target.id)).toEqual(unchanged);
  });
});

describe('status codes', () => {
  // A server of its own: the first test needs a fresh install, whatever else has run.
  let s: TestServer;
  let agent: Sdk;
  beforeAll(async () => {
    s = await startTestServer();
    const { createUser } = await s.admin.CreateUser({ input: { name: 'Status Agent', email: 'status@example.com', role: 'AGENT' } });
    agent = s.sdk((await s.admin.IssueApiToken({ userId: createUser.id })).issueApiToken.token);
  });
  afterAll(async () => { await s.close(); });

  const codes = async () => (await s.admin.AllStatusCodes({})).statusCodes;
  const byName = async (name: string) => {
    const found = (await codes()).find((c) => c.name === name);
    if (!found) throw new Error(`no status code ${name}`);
    return found;
  };

  it('a fresh install lists New (the default), Showing Houses and Closed, in that order', async () => {
    expect((await agent.StatusCodes()).statusCodes).toEqual([
      { id: expect.any(String), name: 'New', position: 1, isDefault: true },
      { id: expect.any(String), name: 'Showing Houses', position: 2, isDefault: false },
      { id: expect.any(String), name: 'Closed', position: 3, isDefault: false },
    ]);
    expect(await s.server.services.stores.statusCodes.defaultStatusCodeId()).toBe(Number((await byName('New')).id));
  });

  it('a new status code goes to the end of the list', async () => {
    const { createStatusCode } = await s.admin.CreateStatusCode({ name: 'Under Contract' });
    expect(createStatusCode).toEqual({ id: expect.any(String), name: 'Under Contract', position: 4, isDefault: false });
    expect((await codes()).map((c) => c.name)).toEqual(['New', 'Showing Houses', 'Closed', 'Under Contract']);
  });

  it('a duplicate or empty name is refused (CONFLICT / BAD_USER_INPUT on name) and nothing is written', async () => {
    const before = await codes();
    expect(await graphqlError(s.admin.CreateStatusCode({ name: 'Closed' }))).toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect(await graphqlError(s.admin.CreateStatusCode({ name: '  ' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    const closed = await byName('Closed');
    expect(await graphqlError(s.admin.UpdateStatusCode({ id: closed.id, input: { name: 'New' } })))
      .toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect(await codes()).toEqual(before);
  });

  it('an admin renames a status code', async () => {
    const code = await byName('Under Contract');
    const { updateStatusCode } = await s.admin.UpdateStatusCode({ id: code.id, input: { name: 'Pending Sale' } });
    expect(updateStatusCode).toEqual({ ...code, name: 'Pending Sale' });
  });

  it('reorder sets positions 1..n in the order given', async () => {
    const [a, b, c, d] = await codes();
    if (!a || !b || !c || !d) throw new Error('four codes expected');
    const { reorderStatusCodes } = await s.admin.ReorderStatusCodes({ ids: [d.id, a.id, c.id, b.id] });
    expect(reorderStatusCodes.map((x) => [x.id, x.position])).toEqual([[d.id, 1], [a.id, 2], [c.id, 3], [b.id, 4]]);
    expect((await s.admin.StatusCodes()).statusCodes.map((x) => x.id)).toEqual([d.id, a.id, c.id, b.id]);
  });

  it('reorder must list every code exactly once (BAD_USER_INPUT on ids), and leaves the order as it was', async () => {
    const before = await codes();
    const ids = before.map((c) => c.id);
    for (const bad of [ids.slice(1), [...ids, ids[0] ?? ''], [...ids.slice(1), '999999'], [...ids, '999999'], []]) {
      expect(await graphqlError(s.admin.ReorderStatusCodes({ ids: bad }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
    }
    expect(await codes()).toEqual(before);
  });

  it('making another code the default unsets the previous one: there is always exactly one', async () => {
    const showing = await byName('Showing Houses');
    const { updateStatusCode } = await s.admin.UpdateStatusCode({ id: showing.id, input: { isDefault: true } });
    expect(updateStatusCode.isDefault).toBe(true);
    const all = await codes();
    expect(all.filter((c) => c.isDefault).map((c) => c.name)).toEqual(['Showing Houses']);
    expect(await s.server.services.stores.statusCodes.defaultStatusCodeId()).toBe(Number(showing.id));
  });

  it('the default cannot be unset, only replaced (BAD_USER_INPUT on isDefault)', async () => {
    const def = await byName('Showing Houses');
    expect(await graphqlError(s.admin.UpdateStatusCode({ id: def.id, input: { isDefault: false } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'isDefault' });
    expect((await byName('Showing Houses')).isDefault).toBe(true);
  });

  it('the default code cannot be archived (BAD_USER_INPUT on archived), nor an archived code made default', async () => {
    const def = await byName('Showing Houses');
    expect(await graphqlError(s.admin.UpdateStatusCode({ id: def.id, input: { archived: true } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'archived' });
    expect(await byName('Showing Houses')).toMatchObject({ isDefault: true, archived: false });
  });

  it('an archived code stays listed with archived: true, is hidden with includeArchived: false, and its name is free again', async () => {
    const closed = await byName('Closed');
    const { updateStatusCode } = await s.admin.UpdateStatusCode({ id: closed.id, input: { archived: true } });
    expect(updateStatusCode).toMatchObject({ id: closed.id, archived: true, isDefault: false });
    expect((await codes()).find((c) => c.id === closed.id)?.archived).toBe(true);
    expect((await s.admin.AllStatusCodes({ includeArchived: false })).statusCodes.map((c) => c.id)).not.toContain(closed.id);

    expect(await graphqlError(s.admin.UpdateStatusCode({ id: closed.id, input: { isDefault: true } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'isDefault' });

    const again = (await s.admin.CreateStatusCode({ name: 'Closed' })).createStatusCode;
    expect(again.position).toBe(5);
    // Both are now called Closed: the archived one may not come back until one is renamed.
    expect(await graphqlError(s.admin.UpdateStatusCode({ id: closed.id, input: { archived: false } })))
      .toMatchObject({ code: 'CONFLICT', field: 'name' });
    const { updateStatusCode: back } = await s.admin.UpdateStatusCode({ id: closed.id, input: { archived: false, name: 'Closed (old)' } });
    expect(back).toMatchObject({ name: 'Closed (old)', archived: false });
  });

  it('an unknown status code id is NOT_FOUND', async () => {
    expect(await errorCode(s.admin.UpdateStatusCode({ id: '999999', input: { name: 'X' } }))).toBe('NOT_FOUND');
  });

  it('any signed-in user reads status codes; only admins change them, and an anonymous caller gets UNAUTHENTICATED', async () => {
    const before = await codes();
    expect((await agent.AllStatusCodes({})).statusCodes).toEqual(before);
    const first = before[0];
    if (!first) throw new Error('no status code');
    for (const [caller, code] of [[agent, 'FORBIDDEN'], [s.sdk(null), 'UNAUTHENTICATED']] as const) {
      expect(await errorCode(caller.CreateStatusCode({ name: 'Sneaky' }))).toBe(code);
      expect(await errorCode(caller.UpdateStatusCode({ id: first.id, input: { name: 'Sneaky', isDefault: true } }))).toBe(code);
      expect(await errorCode(caller.ReorderStatusCodes({ ids: [...before].reverse().map((c) => c.id) }))).toBe(code);
    }
    expect(await errorCode(s.sdk(null).StatusCodes())).toBe('UNAUTHENTICATED');
    expect(await codes()).toEqual(before);
  });
});
