// The identity store's contract (src/store/port.ts IdentityStore), on SQLite and on PostgreSQL: which
// tokens find their user, token lists and revocation, last uses that never move back (even from two
// batches at once), sessions, users and their offices and tags, and the routing roster dropped on
// every write to users or their offices.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/port.js';
import { describeEachStore } from '../../support/stores.js';
import { openConnections, seedUser } from '../../support/port-suite.js';

const T0 = new Date('2030-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describeEachStore('identity store', (open) => {
  describe('tokens', () => {
    it('a live token of an active user finds them, with its id and no use recorded yet', async () => {
      const store = await open();
      const admin = await seedUser(store, { role: 'ADMIN' });
      const tokenId = await store.identity.insertToken({ userId: admin.id, tokenHash: 'h-live', kind: 'API', label: 'CRM' });
      expect(await store.identity.findViewerByTokenHash('h-live', T0)).toEqual({ id: admin.id, role: 'ADMIN', tokenId, lastUsedAt: null });
      expect(await store.identity.findViewerByTokenHash('h-unknown', T0)).toBeNull();
    });

    it('a revoked token, an expired one, or an inactive user\'s finds nobody', async () => {
      const store = await open();
      const agent = await seedUser(store);
      const gone = await seedUser(store);
      await store.identity.insertToken({ userId: agent.id, tokenHash: 'h-expiring', kind: 'SESSION', expiresAt: at(1000) });
      const revoked = await store.identity.insertToken({ userId: agent.id, tokenHash: 'h-revoked', kind: 'API' });
      await store.identity.insertToken({ userId: gone.id, tokenHash: 'h-inactive', kind: 'API' });
      await store.identity.revokeApiToken(revoked, T0);
      await store.identity.updateUser(gone.id, { active: false });

      expect((await store.identity.findViewerByTokenHash('h-expiring', at(999)))?.id).toBe(agent.id);
      expect(await store.identity.findViewerByTokenHash('h-expiring', at(1000))).toBeNull();
      expect(await store.identity.findViewerByTokenHash('h-revoked', T0)).toBeNull();
      expect(await store.identity.findViewerByTokenHash('h-inactive', T0)).toBeNull();
    });

    it('the token list holds a user\'s unrevoked API tokens, oldest first, never sessions nor others\'', async () => {
      const store = await open();
      const a = await seedUser(store);
      const b = await seedUser(store);
      const first = await store.identity.insertToken({ userId: a.id, tokenHash: 'h1', kind: 'API', label: 'first', createdAt: T0 });
      await store.identity.insertToken({ userId: a.id, tokenHash: 'h2', kind: 'SESSION', createdAt: T0 });
      const revoked = await store.identity.insertToken({ userId: a.id, tokenHash: 'h3', kind: 'API', label: 'old' });
      const third = await store.identity.insertToken({ userId: a.id, tokenHash: 'h4', kind: 'API', createdAt: at(5) });
      await store.identity.insertToken({ userId: b.id, tokenHash: 'h5', kind: 'API' });
      await store.identity.revokeApiToken(revoked, T0);

      expect(await store.identity.listApiTokens(a.id)).toEqual([
        { id: first, label: 'first', createdAt: T0, lastUsedAt: null },
        { id: third, label: null, createdAt: at(5), lastUsedAt: null },
      ]);
    });

    it('revoking says REVOKED once, then ALREADY; a session or an unknown id is no API token', async () => {
      const store = await open();
      const a = await seedUser(store);
      const token = await store.identity.insertToken({ userId: a.id, tokenHash: 'h-api', kind: 'API' });
      const session = await store.identity.insertToken({ userId: a.id, tokenHash: 'h-session', kind: 'SESSION' });

      expect(await store.identity.revokeApiToken(token, T0)).toEqual({ outcome: 'REVOKED', userId: a.id });
      expect(await store.identity.revokeApiToken(token, at(1))).toEqual({ outcome: 'ALREADY', userId: a.id });
      expect(await store.identity.revokeApiToken(session, T0)).toBeNull();
      expect(await store.identity.revokeApiToken(token + session + 100, T0)).toBeNull();
      expect(await store.identity.findViewerByTokenHash('h-session', T0)).not.toBeNull();
    });

    it('of many revokes of one token at once, exactly one says REVOKED', async () => {
      const store = await open();
      const a = await seedUser(store);
      const token = await store.identity.insertToken({ userId: a.id, tokenHash: 'h-api', kind: 'API' });
      await openConnections(store, 10);
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.identity.revokeApiToken(token, T0)));
      expect(outcomes.filter((o) => o?.outcome === 'REVOKED')).toHaveLength(1);
      expect(outcomes.filter((o) => o?.outcome === 'ALREADY')).toHaveLength(9);
    });

    it('a batch of last uses is written at once, and a use never moves one back', async () => {
      const store = await open();
      const a = await seedUser(store);
      const t1 = await store.identity.insertToken({ userId: a.id, tokenHash: 'h1', kind: 'API' });
      const t2 = await store.identity.insertToken({ userId: a.id, tokenHash: 'h2', kind: 'API' });
      const t3 = await store.identity.insertToken({ userId: a.id, tokenHash: 'h3', kind: 'API' });
      await store.identity.recordTokenUses(new Map());
      await store.identity.recordTokenUses(new Map([[t2, at(60_000).getTime()], [t1, at(120_000).getTime()]]));
      // A batch written late: t1's use is older than the stored one, t2's newer.
      await store.identity.recordTokenUses(new Map([[t1, at(60_000).getTime()], [t2, at(180_000).getTime()]]));

      expect((await store.identity.findViewerByTokenHash('h1', T0))?.lastUsedAt).toBe(at(120_000).getTime());
      expect((await store.identity.findViewerByTokenHash('h2', T0))?.lastUsedAt).toBe(at(180_000).getTime());
      expect((await store.identity.listApiTokens(a.id)).map((t) => [t.id, t.lastUsedAt])).toEqual([
        [t1, at(120_000)], [t2, at(180_000)], [t3, null],
      ]);
    });

    it('batches of last uses written at once keep each token\'s latest use', async () => {
      const store = await open();
      const a = await seedUser(store);
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) ids.push(await store.identity.insertToken({ userId: a.id, tokenHash: `h${i}`, kind: 'API' }));
      // Each batch names every token, in its own order, with its own times: the latest must win everywhere.
      const batches = Array.from({ length: 8 }, (_, b) =>
        new Map((b % 2 === 0 ? ids : [...ids].reverse()).map((id, i) => [id, at(1000 * ((b * 7 + i * 3) % 11)).getTime()])));
      await openConnections(store, batches.length);
      await Promise.all(batches.map((batch) => store.identity.recordTokenUses(batch)));

      const latest = new Map(ids.map((id) => [id, Math.max(...batches.map((b) => b.get(id) ?? 0))]));
      const stored = await store.identity.listApiTokens(a.id);
      expect(stored.map((t) => [t.id, t.lastUsedAt?.getTime()])).toEqual(ids.map((id) => [id, latest.get(id)]));
    });

    it('deleting a session leaves API tokens of the same hash alone; tokenExists sees any kind', async () => {
      const store = await open();
      const a = await seedUser(store);
      await store.identity.insertToken({ userId: a.id, tokenHash: 'h-session', kind: 'SESSION' });
      await store.identity.insertToken({ userId: a.id, tokenHash: 'h-api', kind: 'API' });
      expect(await store.identity.tokenExists('h-session')).toBe(true);

      await store.identity.deleteSession('h-api');
      await store.identity.deleteSession('h-session');
      expect(await store.identity.tokenExists('h-session')).toBe(false);
      expect(await store.identity.tokenExists('h-api')).toBe(true);
      expect(await store.identity.tokenExists('h-never')).toBe(false);
    });
  });

  describe('users', () => {
    it('a new user gets the defaults, and is found by id, email and handle', async () => {
      const store = await open();
      expect(await store.identity.anyAdmin()).toBe(false);
      const user = await store.identity.insertUser({ name: 'Dana Reyes', email: 'dana@brokerage.example', handle: 'dana', role: 'AGENT', phone: '+15125550142' });
      expect(user).toEqual({
        id: expect.any(Number), name: 'Dana Reyes', email: 'dana@brokerage.example', phone: '+15125550142', role: 'AGENT', handle: 'dana',
        active: true, inOffice: true, haltedAt: null, haltUntil: null, haltReason: null, passwordHash: null, createdAt: expect.any(Date),
        timeZone: null, workingHours: '[]', routingWeight: 1, dailyLeadCap: null, serviceAreas: '[]', missedOffers: 0,
      });
      expect(await store.identity.findUser(user.id)).toEqual(user);
      expect(await store.identity.findUserByEmail('dana@brokerage.example')).toEqual(user);
      expect(await store.identity.findUserByHandle('dana')).toEqual(user);
      expect(await store.identity.handleTaken('dana')).toBe(true);
      expect(await store.identity.handleTaken('dan')).toBe(false);
      expect(await store.identity.findUser(user.id + 1)).toBeNull();
      expect(await store.identity.findUserByEmail('nobody@brokerage.example')).toBeNull();
      expect(await store.identity.findUserByHandle('nobody')).toBeNull();
      expect(await store.identity.anyAdmin()).toBe(false);
    });

    it('anyAdmin sees an admin; listUsers is in id order; findUsers gives those that exist', async () => {
      const store = await open();
      const a = await seedUser(store);
      const b = await seedUser(store, { role: 'ADMIN' });
      const c = await seedUser(store);
      expect(await store.identity.anyAdmin()).toBe(true);
      expect((await store.identity.listUsers()).map((u) => u.id)).toEqual([a.id, b.id, c.id]);
      expect((await store.identity.findUsers([c.id, a.id, c.id + 10])).map((u) => u.id).sort((x, y) => x - y)).toEqual([a.id, c.id]);
      expect(await store.identity.findUsers([])).toEqual([]);
      expect(await store.identity.findUsers([b.id])).toEqual([b]);
    });

    it('updateUser returns the user after the patch, unchanged for an empty one, null for nobody', async () => {
      const store = await open();
      const user = await seedUser(store);
      const halted = await store.identity.updateUser(user.id, { haltedAt: T0, haltUntil: at(3_600_000), haltReason: 'vacation', inOffice: false });
      expect(halted).toEqual({ ...user, haltedAt: T0, haltUntil: at(3_600_000), haltReason: 'vacation', inOffice: false });
      expect(await store.identity.updateUser(user.id, {})).toEqual(halted);
      expect(await store.identity.findUser(user.id)).toEqual(halted);
      expect(await store.identity.updateUser(user.id + 1, { name: 'Ghost' })).toBeNull();
      expect(await store.identity.updateUser(user.id + 1, {})).toBeNull();
    });

    it('setUserOffices replaces a user\'s offices; officeIdsOfUsers lists them per user, ascending', async () => {
      const store = await open();
      const [o1, o2, o3] = [await store.org.insertOffice('North'), await store.org.insertOffice('South'), await store.org.insertOffice('East')];
      const a = await seedUser(store);
      const b = await seedUser(store);
      await store.identity.setUserOffices(a.id, [o3.id, o1.id]);
      await store.identity.setUserOffices(b.id, [o2.id]);
      await store.identity.setUserOffices(b.id, [o3.id, o2.id]);
      await store.identity.setUserOffices(a.id, [o1.id]);

      expect(await store.identity.officeIdsOfUsers([a.id, b.id, b.id + 10])).toEqual(new Map([
        [a.id, [o1.id]], [b.id, [o2.id, o3.id].sort((x, y) => x - y)], [b.id + 10, []],
      ]));
      await store.identity.setUserOffices(a.id, []);
      expect(await store.identity.officeIdsOfUsers([a.id])).toEqual(new Map([[a.id, []]]));
      expect(await store.identity.officeIdsOfUsers([])).toEqual(new Map());
    });

    it('setUserTags replaces a user\'s tags; tagsOfUsers lists them per user by name, in byte order', async () => {
      const store = await open();
      const zeta = await store.org.insertTag('Zeta');
      const alpha = await store.org.insertTag('alpha');
      const beta = await store.org.insertTag('Beta');
      const a = await seedUser(store);
      const b = await seedUser(store);
      await store.identity.setUserTags(a.id, [beta.id]);
      await store.identity.setUserTags(a.id, [alpha.id, zeta.id, beta.id]);
      await store.identity.setUserTags(b.id, [zeta.id]);
      await store.identity.setUserTags(b.id, []);

      expect(await store.identity.tagsOfUsers([a.id, b.id])).toEqual(new Map([[a.id, [beta, zeta, alpha]], [b.id, []]]));
      expect(await store.identity.tagsOfUsers([])).toEqual(new Map());
    });
  });

  describe('the routing roster', () => {
    const roster = async (store: Store) => (await store.leads.loadRoster()).map((a) => ({ ...a }));

    it('carries the routing profile, the company zone for agents without their own, and is read again when that zone changes', async () => {
      const store = await open();
      const a = await seedUser(store);
      const b = await seedUser(store);
      await store.identity.updateUser(a.id, {
        timeZone: 'Europe/London', workingHours: '[{"day":"MON","start":"09:00","end":"17:30"}]', routingWeight: 3,
        dailyLeadCap: 5, serviceAreas: '["787","SW1"]',
      });
      const [ra, rb] = await store.leads.loadRoster();
      expect(ra).toMatchObject({ id: a.id, timeZone: 'Europe/London', routingWeight: 3, dailyLeadCap: 5, serviceAreas: ['787', 'SW1'] });
      expect(ra?.hours?.[0]).toEqual([540, 1050]);
      expect(ra?.hours?.[1]).toEqual([]);
      expect(rb).toMatchObject({ id: b.id, timeZone: 'UTC', hours: null, routingWeight: 1, dailyLeadCap: null, serviceAreas: [] });
      await store.transaction((tx) => tx.org.updateSettings({ timeZone: 'America/Chicago' }));
      expect((await store.leads.loadRoster()).map((r) => r.timeZone)).toEqual(['Europe/London', 'America/Chicago']);
    });

    it('addMissedOffers counts each agent\'s expired offers and gives their streaks; clearMissedOffers ends one', async () => {
      const store = await open();
      const a = await seedUser(store);
      const b = await seedUser(store);
      expect(await store.transaction((tx) => tx.identity.addMissedOffers([a.id, b.id, a.id]))).toEqual(new Map([[a.id, 2], [b.id, 1]]));
      expect(await store.transaction((tx) => tx.identity.addMissedOffers([a.id]))).toEqual(new Map([[a.id, 3]]));
      await store.transaction((tx) => tx.identity.clearMissedOffers(a.id));
      expect((await store.identity.findUser(a.id))?.missedOffers).toBe(0);
      expect((await store.identity.findUser(b.id))?.missedOffers).toBe(1);
      expect(await store.transaction((tx) => tx.identity.addMissedOffers([a.id]))).toEqual(new Map([[a.id, 1]]));
      // A batch names agents in any order, some several times; one that does not exist is left out.
      const c = await seedUser(store);
      expect(await store.transaction((tx) => tx.identity.addMissedOffers([c.id, b.id, c.id + 1000, a.id, c.id, b.id])))
        .toEqual(new Map([[a.id, 2], [b.id, 3], [c.id, 2]]));
      expect((await store.identity.findUser(c.id))?.missedOffers).toBe(2);
      expect(await store.transaction((tx) => tx.identity.addMissedOffers([]))).toEqual(new Map());
    });

    it('addMissedOffersAtCommit counts as addMissedOffers does, once the transaction commits, and not at all when it rolls back', async () => {
      const store = await open();
      const a = await seedUser(store);
      const b = await seedUser(store);
      await store.transaction(async (tx) => {
        await tx.identity.addMissedOffersAtCommit([b.id, a.id, b.id, b.id + 1000]);
        // More in the same transaction after it: the streaks add up whichever runs first.
        expect(await tx.identity.addMissedOffers([a.id])).toEqual(new Map([[a.id, expect.any(Number)]]));
      });
      expect((await store.identity.findUser(a.id))?.missedOffers).toBe(2);
      expect((await store.identity.findUser(b.id))?.missedOffers).toBe(2);
      await expect(store.transaction(async (tx) => {
        await tx.identity.addMissedOffersAtCommit([a.id]);
        throw new Error('rolled back');
      })).rejects.toThrow('rolled back');
      expect((await store.identity.findUser(a.id))?.missedOffers).toBe(2);
      // Outside a transaction: at once.
      await store.identity.addMissedOffersAtCommit([a.id, a.id]);
      expect((await store.identity.findUser(a.id))?.missedOffers).toBe(4);
      await store.transaction((tx) => tx.identity.addMissedOffersAtCommit([]));
      expect((await store.identity.findUser(b.id))?.missedOffers).toBe(2);
    });

    it('is read again after each write to users or their offices, outside and inside transactions', async () => {
      const store = await open();
      const office = await store.org.insertOffice('North');
      const a = await seedUser(store);
      await seedUser(store, { role: 'ADMIN' });
      const snapshot = {
        id: a.id, active: true, inOffice: true, haltedAt: null, haltUntil: null, officeIds: [],
        timeZone: 'UTC', hours: null, routingWeight: 1, dailyLeadCap: null, serviceAreas: [],
      };
      expect(await roster(store)).toEqual([snapshot]);

      await store.identity.updateUser(a.id, { inOffice: false });
      expect(await roster(store)).toEqual([{ ...snapshot, inOffice: false }]);

      await store.identity.setUserOffices(a.id, [office.id]);
      expect(await roster(store)).toEqual([{ ...snapshot, inOffice: false, officeIds: [office.id] }]);

      const b = await seedUser(store);
      expect((await roster(store)).map((s) => s.id)).toEqual([a.id, b.id]);

      await store.transaction(async (tx) => {
        await tx.identity.updateUser(b.id, { haltedAt: T0 });
        await tx.identity.setUserOffices(b.id, [office.id]);
        const c = await seedUser(tx);
        expect((await tx.leads.loadRoster()).map((s) => s.id)).toEqual([a.id, b.id, c.id]);
      });
      expect((await roster(store)).slice(1).map((s) => [s.haltedAt, s.officeIds])).toEqual([[T0.getTime(), [office.id]], [null, []]]);
    });

    it('keeps nothing a rolled-back transaction wrote', async () => {
      const store = await open();
      const a = await seedUser(store);
      expect((await roster(store)).map((s) => s.active)).toEqual([true]);
      const undone = new Error('undone');
      await expect(store.transaction(async (tx) => {
        await tx.identity.updateUser(a.id, { active: false });
        expect((await tx.leads.loadRoster()).map((s) => s.active)).toEqual([false]);
        throw undone;
      })).rejects.toBe(undone);
      expect((await roster(store)).map((s) => s.active)).toEqual([true]);
    });
  });
});
