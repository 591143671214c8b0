// Benchmark 2, intake throughput: submitLead (a general lead: offer, events, live push to the
// offered agent) at a fixed concurrency, against `{ __typename }` on the same server and concurrency.
import type { Args } from './lib/args.js';
import { HttpGql } from './lib/http-client.js';
import { createAgents, createOffice, createSource, OFFERS, SUBMIT, TRIVIAL } from './lib/seed.js';
import { ADMIN_TOKEN, startBenchServer, type StartOptions } from './lib/server.js';
import { closedLoop, figure, sleep, type Figure } from './lib/stats.js';
import { openSockets } from './lib/ws-client.js';

export async function intake(args: Args, serverOpts: StartOptions): Promise<{ figures: Figure[]; detail: object }> {
  const agentCount = args.num('intake-agents', 1000);
  const concurrency = args.num('intake-concurrency', 16);
  const seconds = args.num('intake-duration', 10);

  const server = await startBenchServer(serverOpts);
  const http = new HttpGql(server.url, concurrency);
  try {
    const office = await createOffice(http, 'Intake');
    const agents = await createAgents(http, agentCount, office, 'intake');
    const source = await createSource(http, { name: 'Intake portal', raceAgentCount: 1, acceptanceWindowSeconds: 900 });
    const sockets = await openSockets(server.wsUrl, agents.map((a) => a.token), 50);
    let pushes = 0;
    for (const s of sockets) {
      s.subscribe(OFFERS);
      s.onNext = () => { pushes++; };
    }
    await sleep(1000);

    const submit = async (seq: number) => {
      const res = await http.post(SUBMIT, { input: { sourceId: source.id, firstName: `i${seq}`, email: `lead${seq}@example.com` } }, ADMIN_TOKEN);
      if (res.errors?.length) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
    };
    const trivial = async () => {
      const res = await http.post(TRIVIAL);
      if (res.errors?.length) throw new Error('trivial query failed');
    };
    // Warm both paths first, so neither figure carries the JIT's start-up.
    await closedLoop(concurrency, 2000, trivial);
    await closedLoop(concurrency, 2000, submit);

    const base = await closedLoop(concurrency, seconds * 1000, trivial);
    const pushesBefore = pushes;
    const leads = await closedLoop(concurrency, seconds * 1000, submit);
    await sleep(500);
    for (const s of sockets) s.close();

    const leadRate = (leads.done * 1000) / leads.elapsedMs;
    const baseRate = (base.done * 1000) / base.elapsedMs;
    const figures = [
      figure({ bench: 'intake', metric: `submitLead throughput (c=${concurrency})`, value: leadRate, unit: '/s', baseline: baseRate, baselineLabel: '{ __typename } same concurrency', target: '≥ 0.5 × baseline', pass: leadRate >= 0.5 * baseRate }),
    ];
    return { figures, detail: { agents: agentCount, concurrency, seconds, leads: leads.done, trivial: base.done, pushes: pushes - pushesBefore } };
  } finally {
    http.close();
    await server.stop();
  }
}
