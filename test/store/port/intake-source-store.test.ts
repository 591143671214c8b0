// The intake source store's contract (src/store/port.ts IntakeSourceStore), on SQLite and on PostgreSQL:
// a built-in source is made once with its defaults and an unguessable key, however many ask for it at
// once; the oldest of several with the name is the one; and a target user's lead is found by external id.
import { expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { openConnections, seedLead, seedSource, seedUser } from '../../support/port-suite.js';

describeEachStore('intake source store', (open) => {
  it('ensureSource makes the source once, with the defaults and a fresh unguessable key', async () => {
    const store = await open();
    const made = await store.intakeSources.ensureSource('Forwarded email', { allowDirectToUser: true, directToUserAutoAccept: false, raceAgentCount: 2 });
    expect(made).toMatchObject({ name: 'Forwarded email', allowDirectToUser: true, directToUserAutoAccept: false, raceAgentCount: 2, acceptanceWindowSeconds: 900 });
    expect(made.publicKey).toMatch(/^src_[A-Za-z0-9_-]{32}$/);

    expect(await store.intakeSources.ensureSource('Forwarded email', { raceAgentCount: 5 })).toEqual(made);
    const other = await store.intakeSources.ensureSource('Zillow', {});
    expect(other.id).not.toBe(made.id);
    expect(other.publicKey).not.toBe(made.publicKey);
    expect((await store.sources.listSources()).map((s) => s.name)).toEqual(['Forwarded email', 'Zillow']);
  });

  it('of several sources with the name, ensureSource gives the oldest', async () => {
    const store = await open();
    const oldest = await seedSource(store, 'Forwarded email');
    await seedSource(store, 'Forwarded email');
    const { officeIds: _officeIds, ...row } = oldest;
    expect(await store.intakeSources.ensureSource('Forwarded email', {})).toEqual(row);
  });

  it('twenty callers asking at once for a missing source make one, and all get it', async () => {
    const store = await open();
    await openConnections(store, 20);
    const got = await Promise.all(Array.from({ length: 20 }, () => store.intakeSources.ensureSource('Forwarded email', {})));
    const sources = await store.sources.listSources();
    expect(sources).toHaveLength(1);
    expect(new Set(got.map((s) => s.id))).toEqual(new Set([sources[0]?.id]));
  });

  it('ensureSource inside a transaction is undone with it', async () => {
    const store = await open();
    const undone = new Error('undone');
    await expect(store.transaction(async (tx) => {
      await tx.intakeSources.ensureSource('Forwarded email', {});
      throw undone;
    })).rejects.toBe(undone);
    expect(await store.sources.listSources()).toEqual([]);
  });

  it('findLeadIdFor finds the source\'s lead with the external id made for that target user only', async () => {
    const store = await open();
    const source = await seedSource(store);
    const other = await seedSource(store, 'Other');
    const [a, b] = [await seedUser(store), await seedUser(store)];
    const lead = await seedLead(store, source.id, { externalId: 'msg-1', targetUserId: a.id });
    await seedLead(store, other.id, { externalId: 'msg-2', targetUserId: a.id });

    expect(await store.intakeSources.findLeadIdFor(source.id, 'msg-1', a.id)).toBe(lead.id);
    expect(await store.intakeSources.findLeadIdFor(source.id, 'msg-1', b.id)).toBeNull();
    expect(await store.intakeSources.findLeadIdFor(source.id, 'msg-2', a.id)).toBeNull();
    expect(await store.intakeSources.findLeadIdFor(other.id, 'msg-1', a.id)).toBeNull();
  });
});
