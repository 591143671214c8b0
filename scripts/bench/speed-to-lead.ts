// Benchmark 1, speed to lead: agents connected over graphql-ws with an `offers` subscription, leads
// submitted at a steady rate; the time from sending submitLead to the RECEIVED event arriving on
// the offered agent's socket. Baseline: `{ __typename }` round trips over HTTP at the same rate.
import type { Args } from './lib/args.js';
import { HttpGql } from './lib/http-client.js';
import { createAgents, createOffice, createSource, OFFERS, SUBMIT, TRIVIAL, type OfferEvent } from './lib/seed.js';
import { ADMIN_TOKEN, startBenchServer, type StartOptions } from './lib/server.js';
import { figure, sleep, steadyRate, summary, type Figure } from './lib/stats.js';
import { openSockets } from './lib/ws-client.js';

export async function speedToLead(args: Args, serverOpts: StartOptions): Promise<{ figures: Figure[]; detail: object }> {
  const agentCount = args.num('speed-agents', 1000);
  const rate = args.num('speed-rate', 100);
  const seconds = args.num('speed-duration', 30);
  const baselineSeconds = args.num('speed-baseline-duration', 10);
  const warmupLeads = args.num('speed-warmup', 200);

  const server = await startBenchServer(serverOpts);
  const http = new HttpGql(server.url, 64);
  try {
    const office = await createOffice(http, 'Speed');
    let t = performance.now();
    const agents = await createAgents(http, agentCount, office, 'speed');
    const seedMs = performance.now() - t;
    const source = await createSource(http, { name: 'Speed web form', raceAgentCount: 1, acceptanceWindowSeconds: 900 });

    t = performance.now();
    const sockets = await openSockets(server.wsUrl, agents.map((a) => a.token), 50);
    const connectMs = performance.now() - t;
    // firstName carries the lead's sequence number, so the push can be matched to its send time.
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let received = 0;
    for (const s of sockets) {
      s.subscribe(OFFERS);
      s.onNext = (_id, data, at) => {
        const ev = (data as OfferEvent).offers;
        if (ev.type !== 'RECEIVED') return;
        const sent = sentAt.get(ev.offer.lead.firstName);
        if (sent === undefined) return;
        sentAt.delete(ev.offer.lead.firstName);
        received++;
        if (ev.offer.lead.firstName.startsWith('m')) latencies.push(at - sent);
      };
    }
    await sleep(1000);

    const submit = (name: string) => async () => {
      sentAt.set(name, performance.now());
      const res = await http.post(SUBMIT, { input: { sourceId: source.id, firstName: name, message: 'Looking for a 3-bed house' } }, ADMIN_TOKEN);
      if (res.errors?.length) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
    };
    // Warm-up (JIT, statement cache, socket buffers), not measured.
    await steadyRate(rate, warmupLeads, (i) => submit(`w${i}`)());

    const baseline: number[] = [];
    await steadyRate(rate, Math.round(rate * baselineSeconds), async () => {
      const s = performance.now();
      const res = await http.post(TRIVIAL);
      if (res.errors?.length) throw new Error('trivial query failed');
      baseline.push(performance.now() - s);
    });

    const count = Math.round(rate * seconds);
    await steadyRate(rate, count, (i) => submit(`m${i}`)());
    const deadline = performance.now() + 5000;
    while (latencies.length < count && performance.now() < deadline) await sleep(20);
    for (const s of sockets) s.close();

    const lead = summary(latencies);
    const base = summary(baseline);
    const label = 'HTTP { __typename } at the same rate';
    const figures = [
      figure({ bench: 'speed to lead', metric: `p50 (${agentCount} agents, ${rate}/s)`, value: lead.p50, unit: 'ms', baseline: base.p50, baselineLabel: label, target: null, pass: null }),
      figure({ bench: 'speed to lead', metric: `p99 (${agentCount} agents, ${rate}/s)`, value: lead.p99, unit: 'ms', baseline: base.p99, baselineLabel: label, target: '≤ 10 ms', pass: lead.p99 <= 10 }),
      figure({ bench: 'speed to lead', metric: 'max', value: lead.max, unit: 'ms', baseline: base.max, baselineLabel: label, target: null, pass: null }),
      figure({ bench: 'speed to lead', metric: 'pushes received / leads sent', value: latencies.length, unit: 'leads', baseline: count, baselineLabel: 'sent', target: 'all', pass: latencies.length === count }),
    ];
    return { figures, detail: { agents: agentCount, rate, seconds, seedAgentsMs: Math.round(seedMs), connectMs: Math.round(connectMs), received, lead, baseline: base } };
  } finally {
    http.close();
    await server.stop();
  }
}
