// Benchmark 3, live agents: many authenticated graphql-ws connections each holding an `offers`
// subscription. Reports the server's RSS growth per connection, and the time to deliver one offer
// to each of `targets` agents (leads of sources with raceAgentCount 50, one office of 50 agents per
// source, so every target gets exactly one offer). Baseline for delivery: one `{ __typename }`
// operation sent on each of the same sockets at once, until the last reply.
import type { Args } from './lib/args.js';
import { HttpGql } from './lib/http-client.js';
import { createAgents, createOffice, createSource, OFFERS, SUBMIT, type Agent, type Source } from './lib/seed.js';
import { ADMIN_TOKEN, startBenchServer, type StartOptions } from './lib/server.js';
import { figure, pool, sleep, type Figure } from './lib/stats.js';
import { openSockets } from './lib/ws-client.js';

const RACE = 50;

async function settledRss(rss: () => number): Promise<number> {
  // RSS moves while the heap settles: take the lowest of a few readings over ~2 s.
  let low = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 8; i++) {
    low = Math.min(low, rss());
    await sleep(250);
  }
  return low;
}

export async function liveAgents(args: Args, serverOpts: StartOptions): Promise<{ figures: Figure[]; detail: object }> {
  const total = args.num('live-agents', 10_000);
  const targets = Math.min(total, args.num('live-targets', 1000));
  const groups = Math.ceil(targets / RACE);

  const server = await startBenchServer(serverOpts);
  const http = new HttpGql(server.url, 16);
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

    const rssBefore = await settledRss(server.rss);
    t = performance.now();
    const sockets = await openSockets(server.wsUrl, all.map((a) => a.token), 100);
    const connectMs = performance.now() - t;
    const received = new Set<number>();
    let lastAt = 0;
    sockets.forEach((s, i) => {
      s.subscribe(OFFERS);
      s.onNext = (_id, _data, at) => { received.add(i); lastAt = Math.max(lastAt, at); };
    });
    await sleep(2000);
    const rssAfter = await settledRss(server.rss);
    const perConnKb = (rssAfter - rssBefore) / sockets.length / 1024;

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
      figure({ bench: 'live agents', metric: `server memory per connected agent (${sockets.length})`, value: perConnKb, unit: 'KB', baseline: null, baselineLabel: null, target: '≤ 16 KB', pass: perConnKb <= 16 }),
      figure({ bench: 'live agents', metric: `server RSS with ${sockets.length} agents`, value: rssAfter / 1048576, unit: 'MB', baseline: rssBefore / 1048576, baselineLabel: 'same server before connecting', target: null, pass: null }),
      figure({ bench: 'live agents', metric: `deliver one offer to each of ${targets} agents`, value: deliverMs, unit: 'ms', baseline: baselineMs, baselineLabel: `one { __typename } on each of the ${targets} sockets`, target: null, pass: offered === targets ? null : false }),
    ];
    return { figures, detail: { agents: total, connected: sockets.length, seedMs: Math.round(seedMs), connectMs: Math.round(connectMs), rssBefore, rssAfter, offered, targets } };
  } finally {
    http.close();
    await server.stop();
  }
}
