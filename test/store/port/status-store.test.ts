// The status store's contract (src/store/port.ts StatusStore), on SQLite and on PostgreSQL: the seeded
// list, codes found by id and by active name, archived codes left out of the list, new codes appended
// after the last (each at its own position, however many are added at once), exactly one default, and
// a new order.
import { expect, it } from 'vitest';
import type { Store } from '../../../src/store/port.js';
import { describeEachStore } from '../../support/stores.js';
import { openConnections } from '../../support/port-suite.js';

const summary = async (store: Store, includeArchived = true) =>
  (await store.statusCodes.listStatusCodes(includeArchived)).map((c) => [c.name, c.position, c.isDefault, c.archived]);

describeEachStore('status store', (open) => {
  it('a new database has New (the default), Showing Houses and Closed, in that order', async () => {
    const store = await open();
    expect(await summary(store)).toEqual([['New', 1, true, false], ['Showing Houses', 2, false, false], ['Closed', 3, false, false]]);
    const [first] = await store.statusCodes.listStatusCodes(false);
    expect(first).toEqual({ id: expect.any(Number), name: 'New', position: 1, isDefault: true, archived: false, createdAt: expect.any(Date) });
    expect(await store.statusCodes.defaultStatusCodeId()).toBe(first?.id);
    expect(await store.statusCodes.findStatusCode(first?.id ?? 0)).toEqual(first);
    expect(await store.statusCodes.findStatusCode(1000)).toBeNull();
  });

  it('a new code goes after every other one; archived codes stay in place but out of the active list', async () => {
    const store = await open();
    const lost = await store.statusCodes.insertStatusCodeLast('Lost');
    expect(lost).toMatchObject({ name: 'Lost', position: 4, isDefault: false, archived: false });
    await store.statusCodes.updateStatusCode(lost.id, { archived: true });
    const nurture = await store.statusCodes.insertStatusCodeLast('Nurture');
    expect(nurture.position).toBe(5);

    expect(await summary(store, false)).toEqual([
      ['New', 1, true, false], ['Showing Houses', 2, false, false], ['Closed', 3, false, false], ['Nurture', 5, false, false],
    ]);
    expect((await summary(store, true))[3]).toEqual(['Lost', 4, false, true]);
  });

  it('updateStatusCode renames and archives; an empty patch changes nothing', async () => {
    const store = await open();
    const code = await store.statusCodes.insertStatusCodeLast('Lost');
    await store.statusCodes.updateStatusCode(code.id, {});
    expect(await store.statusCodes.findStatusCode(code.id)).toEqual(code);
    await store.statusCodes.updateStatusCode(code.id, { name: 'Gone', archived: true });
    expect(await store.statusCodes.findStatusCode(code.id)).toEqual({ ...code, name: 'Gone', archived: true });
    await store.statusCodes.updateStatusCode(code.id, { archived: false });
    expect(await store.statusCodes.findStatusCode(code.id)).toEqual({ ...code, name: 'Gone' });
  });

  it('findActiveByName finds a non-archived code of that name, other than the one excepted', async () => {
    const store = await open();
    const closed = (await store.statusCodes.listStatusCodes(false)).find((c) => c.name === 'Closed');
    const archived = await store.statusCodes.insertStatusCodeLast('Lost');
    await store.statusCodes.updateStatusCode(archived.id, { archived: true });

    expect(await store.statusCodes.findActiveByName('Closed')).toEqual(closed);
    expect(await store.statusCodes.findActiveByName('closed')).toBeNull();
    expect(await store.statusCodes.findActiveByName('Closed', closed?.id)).toBeNull();
    expect(await store.statusCodes.findActiveByName('Closed', archived.id)).toEqual(closed);
    expect(await store.statusCodes.findActiveByName('Lost')).toBeNull();
  });

  it('makeDefault leaves exactly one default, the one named', async () => {
    const store = await open();
    const [neu, showing] = await store.statusCodes.listStatusCodes(false);
    await store.statusCodes.makeDefault(showing?.id ?? 0);
    expect((await summary(store)).map(([name, , isDefault]) => [name, isDefault])).toEqual([['New', false], ['Showing Houses', true], ['Closed', false]]);
    expect(await store.statusCodes.defaultStatusCodeId()).toBe(showing?.id);
    await store.statusCodes.makeDefault(showing?.id ?? 0);
    await store.statusCodes.makeDefault(neu?.id ?? 0);
    expect(await store.statusCodes.defaultStatusCodeId()).toBe(neu?.id);
    expect((await store.statusCodes.listStatusCodes(true)).filter((c) => c.isDefault)).toHaveLength(1);
  });

  it('of many codes made the default at once, exactly one is the default after', async () => {
    const store = await open();
    for (let i = 0; i < 7; i++) await store.statusCodes.insertStatusCodeLast(`Code ${i}`);
    const ids = (await store.statusCodes.listStatusCodes(false)).map((c) => c.id);
    await openConnections(store, ids.length);
    await Promise.all(ids.map((id) => store.transaction(async (tx) => tx.statusCodes.makeDefault(id))));
    const defaults = (await store.statusCodes.listStatusCodes(true)).filter((c) => c.isDefault);
    expect(defaults).toHaveLength(1);
    expect(await store.statusCodes.defaultStatusCodeId()).toBe(defaults[0]?.id);
  });

  it('setPositions numbers the codes 1..n in the order given; the next new code follows them', async () => {
    const store = await open();
    const lost = await store.statusCodes.insertStatusCodeLast('Lost');
    const [neu, showing, closed] = await store.statusCodes.listStatusCodes(false);
    await store.statusCodes.setPositions([closed?.id ?? 0, lost.id, neu?.id ?? 0, showing?.id ?? 0]);
    expect(await summary(store)).toEqual([
      ['Closed', 1, false, false], ['Lost', 2, false, false], ['New', 3, true, false], ['Showing Houses', 4, false, false],
    ]);
    expect((await store.statusCodes.insertStatusCodeLast('Nurture')).position).toBe(5);
  });

  it('ten codes appended at once each get a position of their own, after the others', async () => {
    const store = await open();
    await openConnections(store, 10);
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => store.statusCodes.insertStatusCodeLast(`Code ${i}`)));
    expect(made.map((c) => c.position).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('ten codes appended at once by transactions that check the name first each get a position of their own', async () => {
    const store = await open();
    await openConnections(store, 10);
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => store.transaction(async (tx) => {
      expect(await tx.statusCodes.findActiveByName(`Code ${i}`)).toBeNull();
      return tx.statusCodes.insertStatusCodeLast(`Code ${i}`);
    })));
    expect(made.map((c) => c.position).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect((await store.statusCodes.listStatusCodes(false)).map((c) => c.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });
});
