// The lead work store's contract (src/store/port.ts LeadWorkStore), on SQLite and on PostgreSQL: a lead's
// users are added and removed once each (the second of two says false), and cleared all at once.
import { expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { openConnections, seedLead, seedSource, seedUser } from '../../support/port-suite.js';

describeEachStore('lead work store', (open) => {
  it('a user is added once and removed once; the lead store sees the change', async () => {
    const store = await open();
    const lead = await seedLead(store, (await seedSource(store)).id);
    const [a, b] = [await seedUser(store), await seedUser(store)];

    expect(await store.leadWork.addLeadUser(lead.id, b.id)).toBe(true);
    expect(await store.leadWork.addLeadUser(lead.id, b.id)).toBe(false);
    expect(await store.leadWork.addLeadUser(lead.id, a.id)).toBe(true);
    expect(await store.leads.userIdsOfLead(lead.id)).toEqual([a.id, b.id]);

    expect(await store.leadWork.removeLeadUser(lead.id, b.id)).toBe(true);
    expect(await store.leadWork.removeLeadUser(lead.id, b.id)).toBe(false);
    expect(await store.leads.userIdsOfLead(lead.id)).toEqual([a.id]);
  });

  it('of many adds of one user at once, exactly one says it added them', async () => {
    const store = await open();
    const lead = await seedLead(store, (await seedSource(store)).id);
    const user = await seedUser(store);
    await openConnections(store, 10);
    const added = await Promise.all(Array.from({ length: 10 }, () => store.leadWork.addLeadUser(lead.id, user.id)));
    expect(added.filter(Boolean)).toHaveLength(1);
    expect(await store.leads.userIdsOfLead(lead.id)).toEqual([user.id]);
  });

  it('clearing a lead\'s users removes only that lead\'s, and says who they were', async () => {
    const store = await open();
    const source = await seedSource(store);
    const [lead, other] = [await seedLead(store, source.id), await seedLead(store, source.id)];
    const [a, b, c] = [await seedUser(store), await seedUser(store), await seedUser(store)];
    for (const u of [c, a, b]) await store.leadWork.addLeadUser(lead.id, u.id);
    await store.leadWork.addLeadUser(other.id, a.id);

    expect((await store.leadWork.clearLeadUsers(lead.id)).sort((x, y) => x - y)).toEqual([a.id, b.id, c.id]);
    expect(await store.leadWork.clearLeadUsers(lead.id)).toEqual([]);
    expect(await store.leads.userIdsOfLead(lead.id)).toEqual([]);
    expect(await store.leads.userIdsOfLead(other.id)).toEqual([a.id]);
  });
});
