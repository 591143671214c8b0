// What routing reads for every lead and admins change rarely (a source with its offices, a lead group's
// members, the default status code, the few users a round's offers are written to) is cached per
// PostgreSQL store (src/store/postgres/context.ts RosterCache), so that a routed lead does not read them again each time. Two stores on one database
// stand for two instances: a change made through either reaches the other's cache by the NOTIFY signal,
// and a row changed behind the store's back (raw SQL, no signal) shows that the copy really is cached.
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { seedSource, seedUser } from '../support/port-suite.js';
import { createTempDatabase, havePostgres } from '../support/services.js';
import { statementsOf } from '../support/pg-statements.js';
import { until } from '../support/until.js';

const available = await havePostgres();

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

/** Two stores ("instances") on one fresh database, and a plain client for changes no store signals. */
async function twoInstances(): Promise<{ a: PostgresStore; b: PostgresStore; raw: pg.Client }> {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  const a = await openPostgresStore(database.url, { poolSize: 4 });
  cleanup.push(() => a.close());
  const b = await openPostgresStore(database.url, { poolSize: 4 });
  cleanup.push(() => b.close());
  const raw = new pg.Client({ connectionString: database.url });
  await raw.connect();
  cleanup.push(() => raw.end());
  return { a, b, raw };
}

describe.skipIf(!available)('the routing cache on PostgreSQL', () => {
  it('a source is read once, and read again on every instance after any instance changes it', async () => {
    const { a, b, raw } = await twoInstances();
    const office = await a.org.insertOffice('North');
    const source = await seedSource(a, 'Website');
    expect((await a.sources.findSource(source.id))?.acceptanceWindowSeconds).toBe(900);
    expect((await a.sources.findSourceByPublicKey(source.publicKey))?.id).toBe(source.id);

    // Behind the store's back: the cached copies stay as they were.
    await raw.query('UPDATE lead_sources SET acceptance_window_seconds = 5 WHERE id = $1', [source.id]);
    expect((await a.sources.findSource(source.id))?.acceptanceWindowSeconds).toBe(900);
    expect((await a.sources.findSourceByPublicKey(source.publicKey))?.acceptanceWindowSeconds).toBe(900);

    // Through the other instance: this one hears it and reads the row again.
    await b.sources.updateSource(source.id, { raceAgentCount: 3 }, [office.id]);
    const seen = await until(() => a.sources.findSource(source.id), (s) => s?.raceAgentCount === 3, 'the change reaching instance a');
    expect(seen).toMatchObject({ acceptanceWindowSeconds: 5, officeIds: [office.id] });
    expect((await a.sources.findSourceByPublicKey(source.publicKey))?.raceAgentCount).toBe(3);
    // The writer's own copy is fresh at once, and a caller changing its copy changes nobody else's.
    const own = await b.sources.findSource(source.id);
    expect(own).toMatchObject({ raceAgentCount: 3, officeIds: [office.id] });
    own?.officeIds.push(999);
    expect((await b.sources.findSource(source.id))?.officeIds).toEqual([office.id]);
  });

  it('the settings row (the strike limit every expiry pass reads) is read once, and again on every instance after any instance updates it', async () => {
    const { a, b, raw } = await twoInstances();
    // Wait until a is listening for signals (nothing is cached before): a source read is kept once it is.
    const source = await seedSource(a, 'Website');
    await until(async () => {
      await a.sources.findSource(source.id);
      return statementsOf(() => a.sources.findSource(source.id).then(() => {}));
    }, (sent) => sent.length === 0, 'instance a caching');
    expect((await a.org.getSettings()).haltAfterMissedOffers).toBeNull();
    // Behind the store's back: the cached copy stays, and no statement is sent for it.
    await raw.query('UPDATE settings SET halt_after_missed_offers = 7 WHERE id = 1');
    expect(await statementsOf(async () => {
      expect((await a.org.getSettings()).haltAfterMissedOffers).toBeNull();
    })).toEqual([]);
    // A caller changing its copy changes nobody else's.
    const mine = await a.org.getSettings();
    mine.haltAfterMissedOffers = 99;
    expect((await a.org.getSettings()).haltAfterMissedOffers).toBeNull();
    // Through the other instance: this one hears it and reads the row again.
    await b.org.updateSettings({ haltAfterMissedOffers: 3 });
    await until(() => a.org.getSettings(), (row) => row.haltAfterMissedOffers === 3, 'the change reaching instance a');
    expect((await b.org.getSettings()).haltAfterMissedOffers).toBe(3);

    // Two instances starting at once: the other keeps its action link secret, and its signal has not
    // arrived here yet (raw SQL stands for it). This instance's keep finds the secret taken and returns
    // the stored one, not its cached row's empty secret: start-up failed on exactly this.
    await raw.query("UPDATE settings SET action_link_secret = 'kept-by-the-other' WHERE id = 1");
    expect((await a.org.getSettings()).actionLinkSecret).toBeNull();
    expect(await a.org.keepActionLinkSecret('mine')).toBe('kept-by-the-other');
  });

  it('a lead group\'s members and the default status code are read again after changes on another instance', async () => {
    const { a, b, raw } = await twoInstances();
    const group = await a.org.insertLeadGroup('Luxury');
    const [u1, u2] = [await seedUser(a), await seedUser(a)];
    await a.org.setLeadGroupMembers(group.id, [u1.id]);
    expect((await a.org.memberIdsOfGroups([group.id])).get(group.id)).toEqual([u1.id]);
    await raw.query('DELETE FROM lead_group_members WHERE group_id = $1', [group.id]);
    expect((await a.org.memberIdsOfGroups([group.id])).get(group.id)).toEqual([u1.id]);
    await b.org.setLeadGroupMembers(group.id, [u1.id, u2.id]);
    await until(async () => (await a.org.memberIdsOfGroups([group.id])).get(group.id), (m) => m?.length === 2, 'new members on instance a');

    const codes = await a.statusCodes.listStatusCodes(false);
    const [newCode, showing] = [codes[0], codes[1]];
    expect(await a.statusCodes.defaultStatusCodeId()).toBe(newCode?.id);
    await b.statusCodes.makeDefault(showing?.id ?? 0);
    await until(() => a.statusCodes.defaultStatusCodeId(), (id) => id === showing?.id, 'the new default on instance a');
    // Archiving the default leaves none.
    await b.statusCodes.updateStatusCode(showing?.id ?? 0, { archived: true });
    await until(() => a.statusCodes.defaultStatusCodeId(), (id) => id === null, 'no default on instance a');
  });

  it('a few users found by id (whom a round\'s offers are written to) are read again after any write to users', async () => {
    const { a, b, raw } = await twoInstances();
    const agent = await seedUser(a, { phone: '+15125550100' });
    expect((await a.identity.findUsers([agent.id]))[0]?.phone).toBe('+15125550100');
    await raw.query('UPDATE users SET phone = $1 WHERE id = $2', ['+15125550111', agent.id]);
    expect((await a.identity.findUsers([agent.id]))[0]?.phone).toBe('+15125550100');
    await b.identity.updateUser(agent.id, { name: 'Renamed' });
    const seen = await until(() => a.identity.findUsers([agent.id]), (u) => u[0]?.name === 'Renamed', 'the rename reaching instance a');
    expect(seen[0]?.phone).toBe('+15125550111');
  });

  it('users found by id are cached each on their own: a set partly seen before reads only the others, in one statement', async () => {
    const { a } = await twoInstances();
    const [u1, u2, u3] = [await seedUser(a), await seedUser(a), await seedUser(a)];
    expect((await a.identity.findUsers([u1.id, u2.id])).map((u) => u.id).sort((x, y) => x - y)).toEqual([u1.id, u2.id]);
    let found: number[] = [];
    const statements = await statementsOf(async () => {
      found = (await a.identity.findUsers([u2.id, u3.id, u3.id + 1000])).map((u) => u.id).sort((x, y) => x - y);
    });
    expect(found).toEqual([u2.id, u3.id]);
    const reads = statements.filter((s) => /from "users"/i.test(s.text));
    expect(reads).toHaveLength(1);
    expect(reads[0]?.values).toEqual([u3.id, u3.id + 1000]);
    // All cached now but the one that does not exist (absent users are not kept).
    const again = await statementsOf(() => a.identity.findUsers([u1.id, u2.id, u3.id]));
    expect(again.filter((s) => /from "users"/i.test(s.text))).toEqual([]);
  });

  it('the agents of a race as large as a source allows (50) are found in the cache, not read for every round', async () => {
    const { a } = await twoInstances();
    const ids: number[] = [];
    for (let i = 0; i < 50; i++) ids.push((await seedUser(a)).id);
    expect((await a.identity.findUsers(ids))).toHaveLength(50);
    const again = await statementsOf(async () => {
      expect((await a.identity.findUsers(ids)).map((u) => u.id).sort((x, y) => x - y)).toEqual(ids);
    });
    expect(again.filter((s) => /from "users"/i.test(s.text))).toEqual([]);
    // More than a round offers (an admin's list, say) is read as it is, not kept.
    const more = [...ids, (await seedUser(a)).id];
    const reads = await statementsOf(() => a.identity.findUsers(more));
    expect(reads.filter((s) => /from "users"/i.test(s.text))).toHaveLength(1);
  });

  it('a token is looked up once per instance, and stops working on every instance when it is revoked or its user deactivated', async () => {
    const { a, b, raw } = await twoInstances();
    const T0 = new Date('2026-11-30T12:00:00Z');
    const agent = await seedUser(a);
    const tokenId = await a.identity.insertToken({ userId: agent.id, tokenHash: 'h-cached', kind: 'API' });
    const holder = { id: agent.id, role: agent.role, tokenId, lastUsedAt: null };
    expect(await a.identity.findViewerByTokenHash('h-cached', T0)).toEqual(holder);
    expect(await b.identity.findViewerByTokenHash('h-cached', T0)).toEqual(holder);
    // Cached: the second lookup sends nothing, and a revocation behind the stores' back goes unseen.
    expect(await statementsOf(() => a.identity.findViewerByTokenHash('h-cached', T0))).toEqual([]);
    await raw.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [tokenId]);
    expect(await a.identity.findViewerByTokenHash('h-cached', T0)).toEqual(holder);
    await raw.query('UPDATE api_tokens SET revoked_at = NULL WHERE id = $1', [tokenId]);

    // Revoked through instance b: refused there at once, and on instance a once the signal is there.
    expect(await b.identity.revokeApiToken(tokenId, T0)).toEqual({ outcome: 'REVOKED', userId: agent.id });
    expect(await b.identity.findViewerByTokenHash('h-cached', T0)).toBeNull();
    await until(() => a.identity.findViewerByTokenHash('h-cached', T0), (h) => h === null, 'the revocation reaching instance a');

    // A user deactivated on one instance loses every token on the other, cached or not.
    const other = await a.identity.insertToken({ userId: agent.id, tokenHash: 'h-other', kind: 'API' });
    expect((await a.identity.findViewerByTokenHash('h-other', T0))?.tokenId).toBe(other);
    await b.identity.updateUser(agent.id, { active: false });
    await until(() => a.identity.findViewerByTokenHash('h-other', T0), (h) => h === null, 'the deactivation reaching instance a');
  });

  it('a cached session expires on time, and a sign-out on one instance ends it on the other', async () => {
    const { a, b } = await twoInstances();
    const T0 = new Date('2026-11-30T12:00:00Z');
    const agent = await seedUser(a);
    await a.identity.insertToken({ userId: agent.id, tokenHash: 'h-session', kind: 'SESSION', expiresAt: new Date(T0.getTime() + 1000) });
    expect((await a.identity.findViewerByTokenHash('h-session', new Date(T0.getTime() + 999)))?.id).toBe(agent.id);
    expect(await a.identity.findViewerByTokenHash('h-session', new Date(T0.getTime() + 1000))).toBeNull();

    await b.identity.insertToken({ userId: agent.id, tokenHash: 'h-second', kind: 'SESSION', expiresAt: new Date(T0.getTime() + 60_000) });
    expect((await a.identity.findViewerByTokenHash('h-second', T0))?.id).toBe(agent.id);
    await b.identity.deleteSession('h-second');
    await until(() => a.identity.findViewerByTokenHash('h-second', T0), (h) => h === null, 'the sign-out reaching instance a');
  });

  it('reading the roster caches the agents\' user rows too: the users a round is written to need no statement of their own', async () => {
    const { a, b } = await twoInstances();
    const [u1, u2] = [await seedUser(a, { phone: '+15125550100' }), await seedUser(a)];
    expect((await a.leads.loadRoster()).map((s) => s.id)).toEqual([u1.id, u2.id]);
    let found: string[] = [];
    const statements = await statementsOf(async () => {
      found = (await a.identity.findUsers([u2.id, u1.id])).map((u) => u.email).sort();
    });
    expect(statements.filter((s) => /from "users"/i.test(s.text))).toEqual([]);
    expect(found).toEqual([u1.email, u2.email].sort());
    // Dropped with the roster: a change on the other instance is read again here.
    await b.identity.updateUser(u1.id, { phone: '+15125550111' });
    await until(() => a.identity.findUsers([u1.id]), (u) => u[0]?.phone === '+15125550111', 'the new phone on instance a');
  });

  it('a change rolled back leaves the cached copy valid, and a change inside a transaction is seen in it', async () => {
    const { a } = await twoInstances();
    const source = await seedSource(a, 'Website');
    await a.sources.findSource(source.id);
    const undone = new Error('undone');
    await expect(a.transaction(async (tx) => {
      await tx.sources.updateSource(source.id, { raceAgentCount: 7 }, null);
      expect((await tx.sources.findSource(source.id))?.raceAgentCount).toBe(7);
      throw undone;
    })).rejects.toBe(undone);
    expect((await a.sources.findSource(source.id))?.raceAgentCount).toBe(1);
  });
});
