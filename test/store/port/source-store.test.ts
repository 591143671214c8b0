// The source store's contract (src/store/port.ts SourceStore), on SQLite and on PostgreSQL: sources with
// their offices, found by id and public key, listed by name; patches that leave the offices alone or
// replace them; unique public keys.
import { expect, it } from 'vitest';
import type { Store } from '../../../src/store/port.js';
import { describeEachStore } from '../../support/stores.js';

/** Three offices' ids, created in this order: North, South, East. */
async function offices(store: Store): Promise<[number, number, number]> {
  const north = await store.org.insertOffice('North');
  const south = await store.org.insertOffice('South');
  const east = await store.org.insertOffice('East');
  return [north.id, south.id, east.id];
}

describeEachStore('source store', (open) => {
  it('a new source has the defaults and its offices, and is found by id and by public key', async () => {
    const store = await open();
    const [north, south] = await offices(store);
    const source = await store.sources.insertSource({ name: 'Website', publicKey: 'pk-web', raceAgentCount: 3 }, [north, south]);
    expect(source).toEqual({
      id: expect.any(Number), name: 'Website', publicKey: 'pk-web', allowDirectToUser: true, directToUserAutoAccept: true,
      directToUserWindowSeconds: 900, leadGroupId: null, referralFeePercent: 0, acceptanceWindowSeconds: 900, raceAgentCount: 3,
      thankYouUrl: null, rrLastAgentId: null, rrCredits: null, matchServiceArea: false, widenAfterRounds: null,
      contactDeadlineSeconds: null, repeatLeadsToOwner: false, createdAt: expect.any(Date), officeIds: [north, south],
    });
    expect(await store.sources.findSource(source.id)).toEqual(source);
    expect(await store.sources.findSourceByPublicKey('pk-web')).toEqual(source);
    expect(await store.sources.publicKeyTaken('pk-web')).toBe(true);
    expect(await store.sources.publicKeyTaken('pk-other')).toBe(false);
    expect(await store.sources.findSource(source.id + 1)).toBeNull();
    expect(await store.sources.findSourceByPublicKey('pk-other')).toBeNull();
  });

  it('a source\'s offices are listed ascending, however they were given', async () => {
    const store = await open();
    const [north, south, east] = await offices(store);
    const source = await store.sources.insertSource({ name: 'Website', publicKey: 'pk-web' }, [east, north, south]);
    expect((await store.sources.findSource(source.id))?.officeIds).toEqual([north, south, east].sort((a, b) => a - b));
  });

  it('public keys are unique', async () => {
    const store = await open();
    await store.sources.insertSource({ name: 'Website', publicKey: 'pk-web' }, []);
    await expect(store.sources.insertSource({ name: 'Other', publicKey: 'pk-web' }, [])).rejects.toThrow();
    expect((await store.sources.listSources()).map((s) => s.name)).toEqual(['Website']);
  });

  it('listSources gives every source by name (byte order), then by id, each with its offices', async () => {
    const store = await open();
    const [north, south] = await offices(store);
    const zillow = await store.sources.insertSource({ name: 'Zillow', publicKey: 'pk-1' }, [south]);
    const site2 = await store.sources.insertSource({ name: 'Website', publicKey: 'pk-2' }, []);
    const lower = await store.sources.insertSource({ name: 'open house', publicKey: 'pk-3' }, [north, south]);
    const site1 = await store.sources.insertSource({ name: 'Website', publicKey: 'pk-4' }, [north]);
    expect(await store.sources.listSources()).toEqual([site2, site1, zillow, lower]);
  });

  it('updateSource applies the patch; null offices stay as they are, a list replaces them', async () => {
    const store = await open();
    const [north, south, east] = await offices(store);
    const group = await store.org.insertLeadGroup('Buyers');
    const source = await store.sources.insertSource({ name: 'Website', publicKey: 'pk-web' }, [north]);

    const renamed = await store.sources.updateSource(source.id, { name: 'Site', leadGroupId: group.id, referralFeePercent: 25.5 }, null);
    expect(renamed).toEqual({ ...source, name: 'Site', leadGroupId: group.id, referralFeePercent: 25.5, officeIds: [north] });

    const moved = await store.sources.updateSource(source.id, {}, [south, east]);
    expect(moved).toEqual({ ...renamed, officeIds: [south, east].sort((a, b) => a - b) });
    const everywhere = await store.sources.updateSource(source.id, { thankYouUrl: 'https://example.com/thanks' }, []);
    expect(everywhere).toEqual({ ...renamed, thankYouUrl: 'https://example.com/thanks', officeIds: [] });
    expect(await store.sources.findSource(source.id)).toEqual(everywhere);
  });

  it('updateSource of no such source is null', async () => {
    const store = await open();
    const source = await store.sources.insertSource({ name: 'Website', publicKey: 'pk-web' }, []);
    expect(await store.sources.updateSource(source.id + 1, { name: 'Ghost' }, null)).toBeNull();
    expect(await store.sources.updateSource(source.id + 1, {}, [])).toBeNull();
    expect((await store.sources.listSources()).map((s) => s.name)).toEqual(['Website']);
  });

  it('a source and its offices are written together: a rolled-back transaction leaves neither', async () => {
    const store = await open();
    const [north] = await offices(store);
    const undone = new Error('undone');
    await expect(store.transaction(async (tx) => {
      const source = await tx.sources.insertSource({ name: 'Website', publicKey: 'pk-web' }, [north]);
      await tx.sources.updateSource(source.id, { name: 'Site' }, []);
      throw undone;
    })).rejects.toBe(undone);
    expect(await store.sources.listSources()).toEqual([]);
    expect(await store.sources.publicKeyTaken('pk-web')).toBe(false);
  });
});
