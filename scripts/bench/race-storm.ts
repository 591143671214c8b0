// Benchmark 4, race storm: leads each offered to 10 agents at once, all 10 accepting at the same
// moment. Reports accepts per second (every acceptOffer answered, won or OFFER_CLOSED) against
// `{ __typename }` at the same concurrency, and checks in the database (read-only, after the
// server stopped) that every lead has exactly one winner who is its owner. On several instances
// agent i accepts through instance i mod n, so one lead's racers hit every instance at once.
import type { Args } from './lib/args.js';
import { HttpGql } from './lib/http-client.js';
import { createAgents, createOffice, createSource, OFFERS, SUBMIT, TRIVIAL, type OfferEvent } from './lib/seed.js';
import { ADMIN_TOKEN } from './lib/server.js';
import { figure, pool, sleep, type Figure } from './lib/stats.js';
import { startTarget, type TargetOptions } from './lib/target.js';
import { openSockets } from './lib/ws-client.js';

const ACCEPT = 'mutation($offerId: ID!) { acceptOffer(offerId: $offerId) { id state lead { id state owner { id } } } }';

export async function raceStorm(args: Args, serverOpts: TargetOptions): Promise<{ figures: Figure[]; detail: object }> {
  const leadCount = args.num('race-leads', 1000);
  const racers = args.num('race-agents-per-lead', 10);
  const agentCount = args.num('race-agents', 100);
  const leadsInFlight = args.num('race-leads-in-flight', 8);
  const concurrency = racers * leadsInFlight;

  const target = await startTarget(serverOpts);
  const n = target.instances.length;
  const https = target.instances.map((s) => new HttpGql(s.url, concurrency));
  const http = (i: number) => https[i % n] as HttpGql;
  try {
    const office = await createOffice(http(0), 'Race');
    const agents = await createAgents(http(0), agentCount, office, 'race');
    const source = await createSource(http(0), { name: 'Race portal', raceAgentCount: racers, acceptanceWindowSeconds: 900 });
    const sockets = await openSockets((i) => target.instance(i).wsUrl, agents.map((a) => a.token), 50);
    // Offers per lead, learnt from the RECEIVED pushes: [offerId, agent index].
    const offersOf = new Map<string, [string, number][]>();
    sockets.forEach((s, agentIdx) => {
      s.subscribe(OFFERS);
      s.onNext = (_id, data) => {
        const ev = (data as OfferEvent).offers;
        if (ev.type !== 'RECEIVED') return;
        const list = offersOf.get(ev.offer.lead.id) ?? [];
        list.push([ev.offer.id, agentIdx]);
        offersOf.set(ev.offer.lead.id, list);
      };
    });
    await sleep(1000);
    // Seeded: the database as a running deployment's would be (statistics, no dead rows).
    await target.settle();
    await pool(leadCount, 16, async (i) => {
      const res = await http(i).post(SUBMIT, { input: { sourceId: source.id, firstName: `r${i}` } }, ADMIN_TOKEN);
      if (res.errors?.length) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
    });
    const waitUntil = performance.now() + 10_000;
    const complete = () => [...offersOf.values()].filter((l) => l.length === racers).length;
    while (complete() < leadCount && performance.now() < waitUntil) await sleep(20);
    const leadIds = [...offersOf.keys()];

    const trivialCount = leadCount * racers;
    let t = performance.now();
    await pool(trivialCount, concurrency, async (i) => { await http(i).post(TRIVIAL); });
    const baseRate = (trivialCount * 1000) / (performance.now() - t);

    let wins = 0;
    let closed = 0;
    let otherErrors = 0;
    const otherErrorSamples: string[] = [];
    const leadsWithOneWinner = { n: 0 };
    t = performance.now();
    await pool(leadIds.length, leadsInFlight, async (i) => {
      const list = offersOf.get(leadIds[i] ?? '') ?? [];
      const results = await Promise.all(list.map(([offerId, agentIdx]) =>
        http(agentIdx).post(ACCEPT, { offerId }, agents[agentIdx]?.token)));
      let leadWins = 0;
      for (const r of results) {
        if (!r.errors?.length) leadWins++;
        else if (r.errors[0]?.extensions?.code === 'OFFER_CLOSED') closed++;
        else {
          otherErrors++;
          if (otherErrorSamples.length < 3) otherErrorSamples.push(JSON.stringify(r.errors[0]));
        }
      }
      wins += leadWins;
      if (leadWins === 1) leadsWithOneWinner.n++;
    });
    const elapsed = performance.now() - t;
    const accepts = wins + closed + otherErrors;
    const acceptRate = (accepts * 1000) / elapsed;
    for (const s of sockets) s.close();
    await sleep(200);
    await target.stop();

    // The database is the ground truth: one ACCEPTED offer per lead, owned by that offer's agent.
    const badLeads = `FROM leads l WHERE l.state != 'ASSIGNED'
        OR (SELECT count(*) FROM offers o WHERE o.lead_id = l.id AND o.state = 'ACCEPTED') != 1
        OR l.owner_id != (SELECT o.agent_id FROM offers o WHERE o.lead_id = l.id AND o.state = 'ACCEPTED')`;
    const [bad] = await target.query<{ n: number }>({ sqlite: `SELECT count(*) AS n ${badLeads}`, postgres: `SELECT count(*)::int AS n ${badLeads}` });
    const [leadRows] = await target.query<{ n: number }>({ sqlite: 'SELECT count(*) AS n FROM leads', postgres: 'SELECT count(*)::int AS n FROM leads' });
    if (!bad || !leadRows) throw new Error('the check queries returned no row');
    const dbOk = bad.n === 0 && leadRows.n === leadCount;

    const figures = [
      figure({ bench: 'race storm', metric: `accepts/s (${leadIds.length} leads × ${racers} agents, ${concurrency} in flight)`, value: acceptRate, unit: '/s', baseline: baseRate, baselineLabel: '{ __typename } same concurrency', target: null, pass: null }),
      figure({ bench: 'race storm', metric: 'leads with exactly one winner (API and DB)', value: leadsWithOneWinner.n, unit: 'leads', baseline: leadCount, baselineLabel: 'leads', target: 'all', pass: leadsWithOneWinner.n === leadCount && dbOk && otherErrors === 0 }),
    ];
    return { figures, detail: { leads: leadCount, racers, accepts, wins, closed, otherErrors, otherErrorSamples, dbBadLeads: bad.n, dbLeads: leadRows.n } };
  } finally {
    for (const h of https) h.close();
    await target.remove();
  }
}
