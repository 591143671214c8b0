// `npx tsx scripts/bench-repeat-match.ts [--store=sqlite|postgres] [--leads=1000000] [--runs=200]`: times the
// returning-client match (LeadStore.findRepeatOwner, what submitLead asks on a source with repeatLeadsToOwner)
// on a store seeded with the million leads of bench-lead-list.ts (lead-list-data.ts: every lead its own email
// and phone, 80 % of them owned by one of 100 active agents), and prints the query plans that show it reads
// the leads_email_id and leads_phone_id indexes, never the leads table in full. Prints a table, then one JSON
// line. The other flags as bench-lead-list.ts: --pg-url, --keep, --sqlite-file, --pg-database.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Store } from '../src/store/port.js';
import { Args } from './bench/lib/args.js';
import { seedPostgres } from './bench/lib/lead-list-postgres.js';
import { seedSqlite } from './bench/lib/lead-list-sqlite.js';

const args = new Args(process.argv.slice(2));
const LEADS = args.num('leads', 1_000_000);
const RUNS = args.num('runs', 200);
const STORE = args.str('store', 'sqlite');
if (STORE !== 'sqlite' && STORE !== 'postgres') throw new Error(`--store: sqlite or postgres, not "${STORE}"`);
const KEEP = args.str('keep', 'false') === 'true';
const PG_URL = args.str('pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');
const SQLITE_FILE = args.str('sqlite-file', '') || null;
const PG_DATABASE = args.str('pg-database', '') || null;
args.checkUnknown();

/** Raw SQL with `?` placeholders on either store (for the sample and the plans, not the timed path). */
async function query(store: Store, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (store.dialect === 'sqlite') {
    return (store as unknown as { sqlite: import('better-sqlite3').Database }).sqlite.prepare(text).all(...params) as Record<string, unknown>[];
  }
  let n = 0;
  const pool = (store as unknown as { pool: import('pg').Pool }).pool;
  return (await pool.query(text.replace(/\?/g, () => `$${++n}`), params)).rows as Record<string, unknown>[];
}

/** Median and p95 of `runs` calls (after a warm-up), in ms. */
async function time(fn: (i: number) => Promise<unknown>): Promise<{ medianMs: number; p95Ms: number }> {
  for (let i = 0; i < 10; i++) await fn(i);
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Number((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(3));
  return { medianMs: at(0.5), p95Ms: at(0.95) };
}

const seeded = STORE === 'sqlite'
  ? await seedSqlite({ leads: LEADS, keep: KEEP, reuse: SQLITE_FILE })
  : await seedPostgres({ adminUrl: PG_URL, leads: LEADS, keep: KEEP, reuse: PG_DATABASE });
const { store } = seeded;
try {
  // A spread of existing clients (owned or not), their email in another case and their phone.
  const sample: { email: string; phone: string }[] = [];
  for (let i = 0; i < 50; i++) {
    const id = 1 + Math.floor(((i * 7919) % 1000) / 1000 * LEADS);
    const [row] = await query(store, 'SELECT email, phone FROM leads WHERE id = ?', [id]);
    if (row) sample.push({ email: String(row.email), phone: String(row.phone) });
  }
  const pick = (i: number) => sample[i % sample.length] ?? { email: '', phone: '' };
  const hits = (await Promise.all(sample.map((s) => store.leads.findRepeatOwner(s.email, null)))).filter((m) => m !== null).length;
  const cases = {
    byEmail: await time((i) => store.leads.findRepeatOwner(pick(i).email, null)),
    byPhone: await time((i) => store.leads.findRepeatOwner(null, pick(i).phone)),
    both: await time((i) => store.leads.findRepeatOwner(pick(i).email, pick(i).phone)),
    newClient: await time((i) => store.leads.findRepeatOwner(`nobody${i}@mail.example`, `+1737${String(i).padStart(7, '0')}`)),
  };
  const probe = pick(0);
  const plans = store.dialect === 'sqlite'
    ? {
      email: (await query(store, `EXPLAIN QUERY PLAN SELECT l.id, l.owner_id FROM leads l INDEXED BY leads_email_id JOIN users u ON u.id = l.owner_id
        WHERE l.email = ? AND l.owner_id IS NOT NULL AND u.active = 1 ORDER BY l.id DESC LIMIT 1`, [probe.email])).map((r) => String(r.detail)),
      phone: (await query(store, `EXPLAIN QUERY PLAN SELECT l.id, l.owner_id FROM leads l INDEXED BY leads_phone_id JOIN users u ON u.id = l.owner_id
        WHERE l.phone = ? AND l.owner_id IS NOT NULL AND u.active = 1 ORDER BY l.id DESC LIMIT 1`, [probe.phone])).map((r) => String(r.detail)),
    }
    : {
      email: (await query(store, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT l.id, l.owner_id FROM leads l JOIN users u ON u.id = l.owner_id
        WHERE l.email = ? AND l.owner_id IS NOT NULL AND u.active = true ORDER BY l.id DESC LIMIT 1`, [probe.email])).map((r) => String(r['QUERY PLAN'])),
      phone: (await query(store, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT l.id, l.owner_id FROM leads l JOIN users u ON u.id = l.owner_id
        WHERE l.phone = ? AND l.owner_id IS NOT NULL AND u.active = true ORDER BY l.id DESC LIMIT 1`, [probe.phone])).map((r) => String(r['QUERY PLAN'])),
    };
  console.log(`${seeded.label}: ${seeded.leads} leads; ${hits} of ${sample.length} sampled clients have an active owner (load ${loadavg()[0]?.toFixed(2)})`);
  console.log('case        median ms   p95 ms');
  for (const [name, t] of Object.entries(cases)) console.log(`${name.padEnd(11)} ${String(t.medianMs).padStart(9)} ${String(t.p95Ms).padStart(8)}`);
  console.log('plan (email):\n  ' + plans.email.join('\n  '));
  console.log('plan (phone):\n  ' + plans.phone.join('\n  '));
  console.log(JSON.stringify({ store: seeded.label, leads: seeded.leads, runs: RUNS, load: loadavg()[0], cases, plans }));
} finally {
  await seeded.close();
}
