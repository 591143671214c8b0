// The org store's contract (src/store/port.ts OrgStore), on SQLite and on PostgreSQL: offices, tags and
// lead groups (found by name and id, listed by name in byte order, unique names), group members, the
// settings row, and the offer links' secret that the first of many instances starting at once keeps.
import { expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { openConnections, seedUser } from '../../support/port-suite.js';

const byId = <T extends { id: number }>(rows: T[]) => [...rows].sort((a, b) => a.id - b.id);

describeEachStore('org store', (open) => {
  it('offices are found by name and id, listed by name in byte order, and their names are unique', async () => {
    const store = await open();
    const south = await store.org.insertOffice('South');
    const east = await store.org.insertOffice('east');
    const north = await store.org.insertOffice('North');
    expect(south).toEqual({ id: expect.any(Number), name: 'South', createdAt: expect.any(Date) });

    expect(await store.org.findOfficeByName('North')).toEqual(north);
    expect(await store.org.findOfficeByName('north')).toBeNull();
    expect(await store.org.listOffices()).toEqual([north, south, east]);
    expect(byId(await store.org.findOffices([east.id, south.id, north.id + east.id + south.id]))).toEqual(byId([east, south]));
    expect(await store.org.findOffices([])).toEqual([]);
    await expect(store.org.insertOffice('South')).rejects.toThrow();
  });

  it('tags are found by name and id, listed by name in byte order, and their names are unique', async () => {
    const store = await open();
    const vip = await store.org.insertTag('vip');
    const luxury = await store.org.insertTag('Luxury');
    expect(vip).toEqual({ id: expect.any(Number), name: 'vip', createdAt: expect.any(Date) });

    expect(await store.org.findTagByName('Luxury')).toEqual(luxury);
    expect(await store.org.findTagByName('luxury')).toBeNull();
    expect(await store.org.listTags()).toEqual([luxury, vip]);
    expect(await store.org.findTags([vip.id, vip.id + luxury.id])).toEqual([vip]);
    expect(await store.org.findTags([])).toEqual([]);
    await expect(store.org.insertTag('vip')).rejects.toThrow();
  });

  it('lead groups are renamed, found by name and id, listed by name, and their names are unique', async () => {
    const store = await open();
    const teamB = await store.org.insertLeadGroup('team b');
    const teamA = await store.org.insertLeadGroup('Team A');
    expect(teamA).toEqual({ id: expect.any(Number), name: 'Team A', createdAt: expect.any(Date) });

    await store.org.updateLeadGroupName(teamB.id, 'Buyers');
    const buyers = { ...teamB, name: 'Buyers' };
    expect(await store.org.findLeadGroup(teamB.id)).toEqual(buyers);
    expect(await store.org.findLeadGroup(teamA.id + teamB.id)).toBeNull();
    expect(await store.org.findLeadGroupByName('Buyers')).toEqual(buyers);
    expect(await store.org.findLeadGroupByName('team b')).toBeNull();
    expect(await store.org.listLeadGroups()).toEqual([buyers, teamA]);
    expect(byId(await store.org.findLeadGroups([teamA.id, teamB.id]))).toEqual(byId([teamA, buyers]));
    expect(await store.org.findLeadGroups([])).toEqual([]);
    await expect(store.org.insertLeadGroup('Team A')).rejects.toThrow();
  });

  it('setLeadGroupMembers replaces a group\'s members; memberIdsOfGroups lists them per group, ascending', async () => {
    const store = await open();
    const [a, b, c] = [await seedUser(store), await seedUser(store), await seedUser(store)];
    const g1 = await store.org.insertLeadGroup('One');
    const g2 = await store.org.insertLeadGroup('Two');
    await store.org.setLeadGroupMembers(g1.id, [c.id, a.id]);
    await store.org.setLeadGroupMembers(g2.id, [b.id]);
    await store.org.setLeadGroupMembers(g1.id, [c.id, b.id]);

    expect(await store.org.memberIdsOfGroups([g1.id, g2.id, g1.id + g2.id])).toEqual(new Map([
      [g1.id, [b.id, c.id]], [g2.id, [b.id]], [g1.id + g2.id, []],
    ]));
    await store.org.setLeadGroupMembers(g2.id, []);
    expect(await store.org.memberIdsOfGroups([g2.id])).toEqual(new Map([[g2.id, []]]));
    expect(await store.org.memberIdsOfGroups([])).toEqual(new Map());
  });

  it('the settings row starts with every rule off and no secret, and takes patches', async () => {
    const store = await open();
    expect(await store.org.getSettings()).toEqual({ id: 1, agentsCanChangeOwner: false, agentsCanChangeUsers: false, actionLinkSecret: null, timeZone: 'UTC', haltAfterMissedOffers: null });
    expect(await store.org.updateSettings({ agentsCanChangeUsers: true })).toEqual({
      id: 1, agentsCanChangeOwner: false, agentsCanChangeUsers: true, actionLinkSecret: null, timeZone: 'UTC', haltAfterMissedOffers: null,
    });
    expect(await store.org.updateSettings({ agentsCanChangeOwner: true, agentsCanChangeUsers: false })).toEqual({
      id: 1, agentsCanChangeOwner: true, agentsCanChangeUsers: false, actionLinkSecret: null, timeZone: 'UTC', haltAfterMissedOffers: null,
    });
    expect(await store.org.getSettings()).toEqual({ id: 1, agentsCanChangeOwner: true, agentsCanChangeUsers: false, actionLinkSecret: null, timeZone: 'UTC', haltAfterMissedOffers: null });
  });

  it('the first secret offered for the offer links is kept; later candidates get it back', async () => {
    const store = await open();
    expect(await store.org.keepActionLinkSecret('first')).toBe('first');
    expect(await store.org.keepActionLinkSecret('second')).toBe('first');
    expect((await store.org.getSettings()).actionLinkSecret).toBe('first');
  });

  it('of many instances keeping a secret at once, all agree on the one stored', async () => {
    const store = await open();
    await openConnections(store, 10);
    const kept = await Promise.all(Array.from({ length: 10 }, (_, i) => store.org.keepActionLinkSecret(`candidate-${i}`)));
    const stored = (await store.org.getSettings()).actionLinkSecret;
    expect(stored).toMatch(/^candidate-\d$/);
    expect(kept).toEqual(Array.from({ length: 10 }, () => stored));
  });
});
