// Chooses the PostgreSQL driver by measuring both candidates on our write path (issue 13): node-postgres
// (`pg`) and postgres.js (`postgres`), each through drizzle, against the same fresh database migrated
// from drizzle/postgres. One "routed lead" is the routing transaction's statements: the lead, three
// offers and four events (multi-row), the routing round, the source's rotation read and advanced under
// its row lock, two outbox rows. Measured one at a time (latency) and with 16 in flight on a pool of 8
// connections (throughput), in alternating rounds so that neither driver gets the warmer machine.
//
//   npx tsx scripts/bench/pg-drivers.ts [--url=postgres://postgres@127.0.0.1:5432/postgres] [--seconds=5]
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzleJs, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import pg from 'pg';
import postgres from 'postgres';
import * as schema from '../../src/store/postgres/schema.js';
import { summary, round } from './lib/stats.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const adminUrl = args.get('url') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(args.get('seconds') ?? 5);
const MIGRATIONS = fileURLToPath(new URL('../../drizzle/postgres', import.meta.url));

type Db = NodePgDatabase<typeof schema> | PostgresJsDatabase<typeof schema>;

async function routedLead(db: Db, sourceId: number, agentIds: number[]): Promise<void> {
  // Both drizzle databases have the same query builder; the union type's transaction() overloads
  // differ only in their transaction object's type.
  await (db as NodePgDatabase<typeof schema>).transaction(async (tx) => {
    const now = new Date();
    const [source] = await tx.select({ rr: schema.leadSources.rrLastAgentId }).from(schema.leadSources)
      .where(eq(schema.leadSources.id, sourceId)).for('update');
    const [lead] = await tx.insert(schema.leads).values({
      sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Ana', lastName: 'Diaz', email: 'ana@example.com',
      phone: '+15125550143', message: 'Looking for a 3 bedroom house', createdAt: now,
    }).returning();
    if (!lead || !source) throw new Error('insert returned nothing');
    const expiresAt = new Date(now.getTime() + 900_000);
    const offers = await tx.insert(schema.offers).values(agentIds.map((agentId) => ({
      leadId: lead.id, agentId, round: 1, state: 'PENDING' as const, offeredAt: now, expiresAt,
    }))).returning();
    await tx.insert(schema.leadEvents).values([
      { leadId: lead.id, type: 'CREATED' as const, at: now },
      ...offers.map((o) => ({ leadId: lead.id, type: 'OFFERED' as const, at: now, agentId: o.agentId, offerId: o.id })),
    ]);
    await tx.insert(schema.routingRounds).values({ leadId: lead.id, round: 1, at: now, decisions: '[[1,"OFFERED"]]' });
    await tx.update(schema.leadSources).set({ rrLastAgentId: agentIds[0] ?? null }).where(eq(schema.leadSources.id, sourceId));
    await tx.update(schema.leads).set({ round: 1, routingAnchor: agentIds[0] ?? null }).where(eq(schema.leads.id, lead.id));
    await tx.insert(schema.notifications).values(offers.slice(0, 2).map((o) => ({
      leadId: lead.id, offerId: o.id, userId: o.agentId, channel: 'sms' as const, to: '+15125550100',
      body: 'New lead', status: 'PENDING' as const, createdAt: now, nextAttemptAt: now,
    })));
  });
}

async function measure(db: Db, sourceId: number, agentIds: number[], inFlight: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await routedLead(db, sourceId, agentIds);
      latencies.push(performance.now() - t0);
      done++;
    }
  }));
  const s = summary(latencies);
  return { perSecond: done / seconds, p50: s.p50, p99: s.p99 };
}

async function main(): Promise<void> {
  const name = `leadrace_drivers_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
  const js = postgres(url.toString(), { max: 8, onnotice: () => {} });
  try {
    const dbPg = drizzlePg(pool, { schema });
    const dbJs = drizzleJs(js, { schema });
    await migratePg(dbPg, { migrationsFolder: MIGRATIONS });
    const [source] = await dbPg.insert(schema.leadSources).values({ name: 'Bench', publicKey: 'k' }).returning();
    const agents = await dbPg.insert(schema.users).values([1, 2, 3].map((i) => ({
      name: `Agent ${i}`, email: `a${i}@example.com`, role: 'AGENT' as const, handle: `a${i}`,
    }))).returning();
    if (!source) throw new Error('no source');
    const agentIds = agents.map((a) => a.id);
    const results: Record<string, { perSecond: number; p50: number; p99: number }[]> = {};
    // Warm both, then alternate: pg, postgres, pg, postgres.
    await measure(dbPg, source.id, agentIds, 4);
    await measure(dbJs, source.id, agentIds, 4);
    for (let rep = 0; rep < 2; rep++) {
      for (const [driver, db] of [['pg', dbPg], ['postgres', dbJs]] as const) {
        for (const inFlight of [1, 16]) {
          const key = `${driver} x${inFlight}`;
          (results[key] ??= []).push(await measure(db, source.id, agentIds, inFlight));
        }
      }
    }
    const [count] = await dbPg.select({ n: sql<number>`count(*)::int` }).from(schema.leads);
    console.log(`routed-lead transactions on PostgreSQL, ${seconds} s per run, two runs each (leads written: ${count?.n})`);
    for (const [key, runs] of Object.entries(results)) {
      const line = runs.map((r) => `${round(r.perSecond, 0)}/s p50 ${round(r.p50)} ms p99 ${round(r.p99)} ms`).join('  |  ');
      console.log(`${key.padEnd(12)} ${line}`);
    }
  } finally {
    await pool.end();
    await js.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}

await main();
