// The port's rule that a transaction's stores are good only until its callback settles
// (src/store/port.ts), for the identity, org, source, intake source, status, lead work and maintenance
// stores: a store kept past the end refuses every call. On PostgreSQL a call let through would run on a
// connection already handed back to the pool, inside whatever transaction uses it next.
import { expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { seedUser } from '../../support/port-suite.js';

describeEachStore('stores of an ended transaction', (open) => {
  it('refuse every call once the transaction has ended', async () => {
    const store = await open();
    const user = await seedUser(store);
    const kept = await store.transaction(async (tx) => {
      // Each store is made inside the transaction, as a caller would reach it.
      expect(await tx.identity.findUser(user.id)).toEqual(user);
      expect(await tx.org.getSettings()).toMatchObject({ id: 1 });
      expect(await tx.sources.listSources()).toEqual([]);
      expect(await tx.intakeSources.findLeadIdFor(1, 'x', user.id)).toBeNull();
      expect(await tx.statusCodes.defaultStatusCodeId()).toEqual(expect.any(Number));
      expect(await tx.leadWork.clearLeadUsers(1)).toEqual([]);
      return tx;
    });
    await expect(kept.identity.findUser(user.id)).rejects.toThrow();
    await expect(kept.identity.updateUser(user.id, { name: 'Late' })).rejects.toThrow();
    await expect(kept.identity.setUserOffices(user.id, [])).rejects.toThrow();
    await expect(kept.org.getSettings()).rejects.toThrow();
    await expect(kept.org.setLeadGroupMembers(1, [])).rejects.toThrow();
    await expect(kept.sources.insertSource({ name: 'Late', publicKey: 'late' }, [])).rejects.toThrow();
    await expect(kept.intakeSources.ensureSource('Late', {})).rejects.toThrow();
    await expect(kept.statusCodes.insertStatusCodeLast('Late')).rejects.toThrow();
    await expect(kept.leadWork.addLeadUser(1, user.id)).rejects.toThrow();
    await expect(kept.maintenance.rewriteStoredPhones('US')).rejects.toThrow();
    expect((await store.identity.findUser(user.id))?.name).toBe(user.name);
    expect(await store.sources.listSources()).toEqual([]);
    expect((await store.statusCodes.listStatusCodes(true)).map((c) => c.name)).toEqual(['New', 'Showing Houses', 'Closed']);
  });
});
