// The PostgreSQL write path per routed lead: how many statements the server sends (each a round trip),
// in how many transactions, which ones, and how long each takes from the server's side (sent to
// answered). One server on a fresh database with a private Redis, as `--store=postgres` runs it, its
// node-postgres calls counted by a preloaded hook (lib/pg-trace.mjs); the intake benchmark's leads
// (a general lead, one agent raced, 1,000 agents connected) submitted one at a time and then 16 at a
// time. The server's periodic work (deadline re-reads, the outbox and search-index pollers) is
// measured while idle first and subtracted, so the figures are per lead.
//
//   npx tsx scripts/bench/pg-write-path.ts [--leads=300] [--agents=1000] [--concurrency=1,16]
//       [--pg-url=postgres://postgres@127.0.0.1:5432/postgres] [--top=25]
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Args } from './lib/args.js';
import { createBenchDatabase, PG_OWN } from './lib/bench-database.js';
import { startCpuAccounting } from './lib/cpu-usage.js';
import { HttpGql } from './lib/http-client.js';
import { startPrivateRedis } from './lib/private-redis.js';
import { createAgents, createOffice, createSource, OFFERS, SUBMIT } from './lib/seed.js';
import { ADMIN_TOKEN, startBenchServer, type BenchServer } from './lib/server.js';
import { pool, sleep, summary } from './lib/stats.js';
import { openSockets } from './lib/ws-client.js';

const TRACE_HOOK = fileURLToPath(new URL('./lib/pg-trace.mjs', import.meta.url));

interface Statement { text: string; n: number; ms: number; rows: number }
interface DbCounters { xact_commit: number; xact_rollback: number; tup_inserted: number; tup_updated: number; tup_deleted: number; tup_fetched: number }

/** What the server sent since the last call (the hook resets its counts on each signal). */
async function collect(server: BenchServer, file: string, lastDump: { n: number }): Promise<Statement[]> {
  process.kill(server.pid, 'SIGUSR2');
  const until = performance.now() + 10_000;
  for (;;) {
    if (existsSync(file)) {
      const dump = JSON.parse(readFileSync(file, 'utf8')) as { dumps: number; statements: Statement[] };
      if (dump.dumps > lastDump.n) {
        lastDump.n = dump.dumps;
        return dump.statements;
      }
    }
    if (performance.now() > until) throw new Error('the server did not write its statement counts within 10 s');
    await sleep(20);
  }
}

const kind = (text: string) => /^(begin|commit|rollback|savepoint|release)/i.exec(text.trim())?.[1]?.toUpperCase() ?? null;
/**
 * A transaction's COMMIT: alone, or at the end of the statements sent with it (commit-batch.ts). Its
 * BEGIN is not a statement of its own: it goes with the transaction's first statement.
 */
const commits = (text: string) => kind(text) === 'COMMIT' || /;\s*commit\s*$/i.test(text);

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2));
  const leads = args.num('leads', 300);
  const agentCount = args.num('agents', 1000);
  const concurrencies = args.str('concurrency', '1,16').split(',').map(Number);
  const pgUrl = args.str('pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');
  const top = args.num('top', 25);
  args.checkUnknown();

  const traceFile = join(tmpdir(), `leadrace-pg-trace-${process.pid}.json`);
  const redis = await startPrivateRedis();
  const database = await createBenchDatabase(pgUrl);
  let server: BenchServer | null = null;
  try {
    server = await startBenchServer({
      env: {
        DATABASE_URL: database.url, REDIS_URL: redis.url,
        NODE_OPTIONS: `--import=${pathToFileURL(TRACE_HOOK).href}`, LEADRACE_PG_TRACE: traceFile,
      },
    });
    const s = server;
    const http = new HttpGql(s.url, 16);
    const office = await createOffice(http, 'Write path');
    const agents = await createAgents(http, agentCount, office, 'wp');
    const source = await createSource(http, { name: 'Write path portal', raceAgentCount: 1, acceptanceWindowSeconds: 900 });
    const sockets = await openSockets(s.wsUrl, agents.map((a) => a.token), 50);
    for (const sock of sockets) sock.subscribe(OFFERS);
    let seq = 0;
    const submit = async () => {
      const i = seq++;
      const t0 = performance.now();
      const res = await http.post(SUBMIT, { input: { sourceId: source.id, firstName: `w${i}`, email: `lead${i}@example.com` } }, ADMIN_TOKEN);
      if (res.errors?.length) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
      return performance.now() - t0;
    };
    // Warm-up: the JIT, the pool's connections, the roster cache.
    await pool(200, 16, async () => { await submit(); });
    await sleep(2000);
    const dumps = { n: 0 };
    await collect(s, traceFile, dumps);

    const counters = async (): Promise<DbCounters> => {
      await database.query('SELECT pg_stat_clear_snapshot()');
      const [row] = await database.query<DbCounters>(`SELECT xact_commit::float8 AS xact_commit, xact_rollback::float8 AS xact_rollback,
        tup_inserted::float8 AS tup_inserted, tup_updated::float8 AS tup_updated, tup_deleted::float8 AS tup_deleted,
        tup_fetched::float8 AS tup_fetched FROM pg_stat_database WHERE datname = current_database()`);
      if (!row) throw new Error('no pg_stat_database row');
      return row;
    };
    // Backends report their counters at most once a second, idle ones within 10 s: wait them out.
    const settle = () => sleep(11_000);

    // The periodic work, per second, while nothing arrives: statements and counters.
    const idleSeconds = 20;
    await settle();
    const idleBefore = await counters();
    await collect(s, traceFile, dumps);
    await sleep(idleSeconds * 1000);
    const idle = new Map((await collect(s, traceFile, dumps)).map((st) => [st.text, st]));
    const idleAfter = await counters();
    const idleRate = (k: keyof DbCounters) => (idleAfter[k] - idleBefore[k]) / idleSeconds;

    const report: object[] = [];
    for (const c of concurrencies) {
      await settle();
      const before = await counters();
      await collect(s, traceFile, dumps);
      const cpu = await startCpuAccounting(async () => ({ server: [s.pid], ...await database.processGroups() }));
      const t0 = performance.now();
      const latencies: number[] = [];
      await pool(leads, c, async () => { latencies.push(await submit()); });
      const cpuUsage = await cpu.stop();
      const cpuMs = (group: string) => (cpuUsage.groups.find((g) => g.group === group)?.cpuMs ?? 0) / leads;
      // The after-commit work of the last leads (pushes, outbox, search indexing within 200 ms).
      await sleep(1000);
      const seconds = (performance.now() - t0) / 1000;
      const statements = await collect(s, traceFile, dumps);
      const phaseEnd = performance.now();
      await settle();
      const after = await counters();
      const span = seconds + (performance.now() - phaseEnd) / 1000;

      const perLead = statements.map((st) => {
        const idlePerSecond = (idle.get(st.text)?.n ?? 0) / idleSeconds;
        return { ...st, perLead: Math.max(0, st.n - idlePerSecond * seconds) / leads, msPerCall: st.ms / st.n };
      }).filter((st) => st.perLead >= 0.005).sort((a, b) => b.perLead - a.perLead || b.ms - a.ms);
      const total = perLead.reduce((a, st) => a + st.perLead, 0);
      const txs = perLead.filter((st) => commits(st.text)).reduce((a, st) => a + st.perLead, 0);
      const savepoints = perLead.filter((st) => kind(st.text) === 'SAVEPOINT').reduce((a, st) => a + st.perLead, 0);
      const msPerLead = perLead.reduce((a, st) => a + st.perLead * st.msPerCall, 0);
      const delta = (k: keyof DbCounters) => (after[k] - before[k] - idleRate(k) * span) / leads;
      const lat = summary(latencies);
      process.stdout.write(`\n== ${leads} leads, ${c} in flight: submitLead p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms, ${(leads / seconds).toFixed(0)} leads/s ==\n`);
      process.stdout.write(`per lead: ${total.toFixed(1)} statements (round trips) in ${txs.toFixed(2)} transactions (COMMIT), ${savepoints.toFixed(2)} savepoints; `
        + `${msPerLead.toFixed(2)} ms of statements in flight (summed over the lead's statements)\n`);
      process.stdout.write(`CPU per lead (the idle work included): server ${cpuMs('server').toFixed(2)} ms, this database's PostgreSQL backends ${cpuMs(PG_OWN).toFixed(2)} ms; `
        + `machine busy ${cpuUsage.machinePercentOfCore.toFixed(0)}% of one core (${cpuUsage.cores} cores), taken by the hypervisor (steal) ${cpuUsage.stealPercentOfCore.toFixed(0)}%, load average ${cpuUsage.loadAverage.after.map((l) => l.toFixed(2)).join(' ')}\n`);
      process.stdout.write(`pg_stat_database per lead (the idle rate subtracted): ${delta('xact_commit').toFixed(2)} commits, ${delta('xact_rollback').toFixed(2)} rollbacks, `
        + `${delta('tup_inserted').toFixed(1)} rows inserted, ${delta('tup_updated').toFixed(1)} updated, ${delta('tup_deleted').toFixed(1)} deleted, ${delta('tup_fetched').toFixed(0)} fetched\n`);
      process.stdout.write(`${'per lead'.padStart(8)} ${'ms/call'.padStart(8)} ${'rows'.padStart(5)}  statement\n`);
      for (const st of perLead.slice(0, top)) {
        const rows = st.rows > 0 ? (st.rows / st.n).toFixed(1) : '';
        process.stdout.write(`${st.perLead.toFixed(2).padStart(8)} ${st.msPerCall.toFixed(3).padStart(8)} ${rows.padStart(5)}  ${st.text.slice(0, 150)}\n`);
      }
      report.push({ concurrency: c, leads, seconds, latency: lat, cpu: cpuUsage, statementsPerLead: total, transactionsPerLead: txs, savepointsPerLead: savepoints, msInStatementsPerLead: msPerLead, statements: perLead });
    }
    process.stdout.write(`\nidle, per second: ${[...idle.values()].map((st) => `${(st.n / idleSeconds).toFixed(1)} × ${st.text.slice(0, 60)}`).join('; ')}\n`);
    process.stdout.write(`${JSON.stringify({ report })}\n`);
    for (const sock of sockets) sock.close();
    http.close();
  } finally {
    await server?.stop();
    await database.drop();
    await redis.stop();
    rmSync(traceFile, { force: true });
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`pg-write-path failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
