// The maintenance store's contract (src/store/port.ts MaintenanceStore), on SQLite and on PostgreSQL:
// phones stored without a "+" get the region's country code, on users and leads alike; phones already in
// E.164 and unreadable ones stay as they are (the unreadable counted); running it again, or twice at once,
// rewrites nothing more.
import { expect, it } from 'vitest';
import type { Store } from '../../../src/store/port.js';
import { describeEachStore } from '../../support/stores.js';
import { openConnections, seedLead, seedSource, seedUser } from '../../support/port-suite.js';

/** Users and leads with phones of every kind; what each should read after a rewrite as US numbers. */
async function seedPhones(store: Store) {
  const source = await seedSource(store);
  const users = [
    { phone: '5125550143', after: '+15125550143' },
    { phone: '+447911123456', after: '+447911123456' },
    { phone: null, after: null },
    { phone: 'call me', after: 'call me' },
  ];
  const leads = [
    { phone: '(512) 555-0144', after: '+15125550144' },
    { phone: '512.555.0145', after: '+15125550145' },
    { phone: '+15125550146', after: '+15125550146' },
    { phone: '12', after: '12' },
    { phone: null, after: null },
  ];
  const userIds = [];
  for (const u of users) userIds.push((await seedUser(store, { phone: u.phone })).id);
  const leadIds = [];
  for (const l of leads) leadIds.push((await seedLead(store, source.id, { phone: l.phone })).id);
  return {
    userIds, leadIds,
    usersAfter: users.map((u) => u.after),
    leadsAfter: leads.map((l) => l.after),
  };
}

async function phones(store: Store, userIds: number[], leadIds: number[]) {
  const users = new Map((await store.identity.findUsers(userIds)).map((u) => [u.id, u.phone]));
  const leads = new Map((await store.leads.findLeads(leadIds)).map((l) => [l.id, l.phone]));
  return { users: userIds.map((id) => users.get(id)), leads: leadIds.map((id) => leads.get(id)) };
}

describeEachStore('maintenance store', (open) => {
  it('bare phones of users and leads get the region\'s country code; E.164 and unreadable ones stay', async () => {
    const store = await open();
    const seeded = await seedPhones(store);
    expect(await store.maintenance.rewriteStoredPhones('US')).toEqual({ rewritten: 3, unreadable: 2 });
    expect(await phones(store, seeded.userIds, seeded.leadIds)).toEqual({ users: seeded.usersAfter, leads: seeded.leadsAfter });
  });

  it('the region given is the one the bare phones get', async () => {
    const store = await open();
    const user = await seedUser(store, { phone: '07911 123456' });
    expect(await store.maintenance.rewriteStoredPhones('GB')).toEqual({ rewritten: 1, unreadable: 0 });
    expect((await store.identity.findUser(user.id))?.phone).toBe('+447911123456');
  });

  it('running it again changes nothing', async () => {
    const store = await open();
    const seeded = await seedPhones(store);
    await store.maintenance.rewriteStoredPhones('US');
    expect(await store.maintenance.rewriteStoredPhones('US')).toEqual({ rewritten: 0, unreadable: 2 });
    expect(await store.maintenance.rewriteStoredPhones('GB')).toEqual({ rewritten: 0, unreadable: 2 });
    expect(await phones(store, seeded.userIds, seeded.leadIds)).toEqual({ users: seeded.usersAfter, leads: seeded.leadsAfter });
  });

  it('two instances starting at once rewrite each phone once between them', async () => {
    const store = await open();
    const seeded = await seedPhones(store);
    await openConnections(store, 2);
    const [a, b] = await Promise.all([store.maintenance.rewriteStoredPhones('US'), store.maintenance.rewriteStoredPhones('US')]);
    expect((a?.rewritten ?? 0) + (b?.rewritten ?? 0)).toBe(3);
    expect(await phones(store, seeded.userIds, seeded.leadIds)).toEqual({ users: seeded.usersAfter, leads: seeded.leadsAfter });
  });

  it('a rewrite inside a transaction is undone with it', async () => {
    const store = await open();
    const seeded = await seedPhones(store);
    const undone = new Error('undone');
    await expect(store.transaction(async (tx) => {
      expect(await tx.maintenance.rewriteStoredPhones('US')).toEqual({ rewritten: 3, unreadable: 2 });
      throw undone;
    })).rejects.toBe(undone);
    expect((await phones(store, seeded.userIds, seeded.leadIds)).users[0]).toBe('5125550143');
    expect((await phones(store, seeded.userIds, seeded.leadIds)).leads[0]).toBe('(512) 555-0144');
  });
});
