// Benchmark 3, live agents: many authenticated graphql-ws connections each holding an `offers`
// subscription. Reports the server's RSS growth per connection, and the time to deliver one offer
// to each of `targets` agents (leads of sources with raceAgentCount 50, one office of 50 agents per
// source, so every target gets exactly one offer). Baseline for delivery: one `{ __typename }`
// operation sent on each of the same sockets at once, until the last reply.
//
// Memory is the server's RSS (VmRSS, what the 16 KB target is about), measured so that a run
// repeats (until 2026-11-23 the figure moved between 12 and 17 KB from run to run):
// - the brokerage is seeded through one server, which is then stopped; the measured server starts
//   on that database, so its "before" holds nothing of the seeding. The seeding's garbage, and the
//   heap and allocator pages it left committed, used to be partly reused by the connections, by a
//   different amount each run, which made the figure lower and unsteady;
// - both readings (before connecting, and with every subscription live) come after full garbage
//   collections forced in the server, each the median of three collect-then-read rounds. The
//   server child runs with --expose-gc and a SIGUSR2 hook for this (lib/gc-on-signal.mjs); nothing
//   else in it changes.
// The difference is then what the connections hold: their live objects plus the heap and
// allocator overhead around them. Garbage made between collections is not counted.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Args } from './lib/args.js';
import { HttpGql } from './lib/http-client.js';
import { createAgents, createOffice, createSource, OFFERS, SUBMIT, type Agent, type Source } from './lib/seed.js';
import { ADMIN_TOKEN, startBenchServer, type BenchServer, type StartOptions } from './lib/server.js';
import { figure, pool, quantile, sleep, type Figure } from './lib/stats.js';
import { openSockets } from './lib/ws-client.js';

const RACE = 50;
const GC_HOOK = fileURLToPath(new URL('./lib/gc-on-signal.mjs', import.meta.url));

interface Memory { rss: number; heapUsed: number; external: number }

/** The server's memory after forced full collections: the median of three collect-then-read rounds. */
async function memoryAfterGc(server: BenchServer, ackFile: string): Promise<Memory> {
  const acked = (): { done: number; heapUsed: number; external: number } =>
    existsSync(ackFile) ? JSON.parse(readFileSync(ackFile, 'utf8')) as { done: number; heapUsed: number; external: number }
      : { done: 0, heapUsed: 0, external: 0 };
  const rounds: Memory[] = [];
  for (let i = 0; i < 3; i++) {
    const before = acked().done;
    process.kill(server.pid, 'SIGUSR2');
    const deadline = performance.now() + 30_000;
    let ack = acked();
    while (ack.done === before) {
      if (performance.now() > deadline) throw new Error('the server did not finish a forced GC within 30 s');
      await sleep(20);
      ack = acked();
    }
    rounds.push({ rss: server.rss(), heapUsed: ack.heapUsed, external: ack.external });
    await sleep(200);
  }
  const median = (k: keyof Memory) => quantile(rounds.map((r) => r[k]), 0.5);
  return { rss: median('rss'), heapUsed: median('heapUsed'), external: median('external') };
}

export async function liveAgents(args: Args, serverOpts: StartOptions): Promise<{ figures: Figure[]; detail: object }> {
  const total = args.num('live-agents', 10_000);
  const targets = Math.min(total, args.num('live-targets', 1000));
  const groups = Math.ceil(targets / RACE);

  const ackFile = join(tmpdir(), `leadrace-live-gc-${process.pid}-${Date.now()}.json`);
  const seeder = await startBenchServer(serverOpts);
  let seederStopped = false;
  let server: BenchServer | null = null;
  let http = new HttpGql(seeder.url, 16);
  try {
    let t = performance.now();
    // The targets sit in offices of RACE agents each, one source per office; the rest in another.
    const targetAgents: Agent[] = [];
    const sources: Source[] = [];
    for (let g = 0; g < groups; g++) {
      const office = await createOffice(http, `Live ${g}`);
      targetAgents.push(...await createAgents(http, Math.min(RACE, targets - g * RACE), office, `live${g}`));
      sources.push(await createSource(http, { name: `Live ${g}`, raceAgentCount: RACE, acceptanceWindowSeconds: 900, officeIds: [office] }));
    }
    const restOffice = await createOffice(http, 'Live rest');
    const rest = await createAgents(http, total - targets, restOffice, 'liverest');
    const seedMs = performance.now() - t;
    const all = [...targetAgents, ...rest];
    http.close();
    await seeder.stop({ keepFiles: true });
    seederStopped = true;

    server = await startBenchServer({
      ...serverOpts,
      env: {
        ...serverOpts.env, DATABASE_URL: seeder.dbPath,
        NODE_OPTIONS: `--expose-gc --import=${pathToFileURL(GC_HOOK).href}`, LEADRACE_GC_ACK: ackFile,
      },
    });
    http = new HttpGql(server.url, 16);

    const before = await memoryAfterGc(server, ackFile);
    t = performance.now();
    const sockets = await openSockets(server.wsUrl, all.map((a) => a.token), 100);
    const connectMs = performance.now() - t;
    const connected = await memoryAfterGc(server, ackFile);
    const received = new Set<number>();
    let lastAt = 0;
    sockets.forEach((s, i) => {
      s.subscribe(OFFERS);
      s.onNext = (_id, _data, at) => { received.add(i); lastAt = Math.max(lastAt, at); };
    });
    // Every subscription is live once its socket has answered a ping sent after it.
    await Promise.all(sockets.map((s) => s.roundTrip()));
    await sleep(1000);
    const after = await memoryAfterGc(server, ackFile);
    const perConn = (a: Memory, b: Memory, k: keyof Memory) => Math.round((b[k] - a[k]) / sockets.length);
    const perConnKb = (after.rss - before.rss) / sockets.length / 1024;

    // Baseline: one operation answered on each target socket, all sent at once.
    const targetSockets = sockets.slice(0, targets);
    t = performance.now();
    const replies = await Promise.all(targetSockets.map((s) => s.once('{ __typename }')));
    const baselineMs = Math.max(...replies.map((r) => r.at)) - t;

    t = performance.now();
    await pool(sources.length, sources.length, async (i) => {
      const source = sources[i];
      if (!source) return;
      const res = await http.post(SUBMIT, { input: { sourceId: source.id, firstName: `live${i}` } }, ADMIN_TOKEN);
      if (res.errors?.length) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
    });
    const deadline = performance.now() + 30_000;
    while (received.size < targets && performance.now() < deadline) await sleep(5);
    const deliverMs = lastAt - t;
    const offered = received.size;
    for (const s of sockets) s.close();

    const figures = [
      figure({ bench: 'live agents', metric: `server memory per connected agent (${sockets.length}, RSS after GC)`, value: perConnKb, unit: 'KB', baseline: null, baselineLabel: null, target: '≤ 16 KB', pass: perConnKb <= 16 }),
      figure({ bench: 'live agents', metric: `server RSS with ${sockets.length} agents (after GC)`, value: after.rss / 1048576, unit: 'MB', baseline: before.rss / 1048576, baselineLabel: 'same server before connecting, after GC', target: null, pass: null }),
      figure({ bench: 'live agents', metric: `deliver one offer to each of ${targets} agents`, value: deliverMs, unit: 'ms', baseline: baselineMs, baselineLabel: `one { __typename } on each of the ${targets} sockets`, target: null, pass: offered === targets ? null : false }),
    ];
    return {
      figures,
      detail: {
        agents: total, connected: sockets.length, seedMs: Math.round(seedMs), connectMs: Math.round(connectMs),
        rssBefore: before.rss, rssConnected: connected.rss, rssAfter: after.rss,
        // Bytes per agent, after GC: the sockets alone, then with the subscription; heap and external of the total.
        perAgentBytes: {
          rssSocket: perConn(before, connected, 'rss'), rssSubscription: perConn(connected, after, 'rss'),
          heapUsed: perConn(before, after, 'heapUsed'), external: perConn(before, after, 'external'),
        },
        offered, targets,
      },
    };
  } finally {
    http.close();
    if (!seederStopped) await seeder.stop();
    await server?.stop();
    seeder.removeFiles();
    rmSync(ackFile, { force: true });
    rmSync(`${ackFile}.tmp`, { force: true });
  }
}
