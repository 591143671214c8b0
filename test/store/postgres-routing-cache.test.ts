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
