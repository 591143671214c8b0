// Benchmark 5, deadline precision: offers whose windows (1..10 s) close spread over ~10 s while
// intake keeps running; how late each expiry is, measured two ways: when the EXPIRED event reached
// the agent's socket, and when the server processed it (offers.responded_at, read from the
// database after the run) — each minus the offer's expires_at.
// Each window has its own source and office of `racers` agents, so that a lead's one round offers
// it to all of them and, when the window closes, nobody is left: it becomes UNASSIGNED and the
// number of expiries is exactly leads × racers.
// On several instances the agents' sockets and the leads are spread over them round robin: an offer
// made on one instance may be expired by another (each claims due offers with SKIP LOCKED), and the
// database is checked for offers expired more than once.
import type { Args } from './lib/args.js';
import { HttpGql } from './lib/http-client.js';
import { createAgents, createOffice, createSource, OFFERS, SUBMIT, TRIVIAL, type OfferEvent, type Source } from './lib/seed.js';
import { ADMIN_TOKEN } from './lib/server.js';
import { figure, sleep, steadyRate, summary, type Figure } from './lib/stats.js';
import { startTarget, type TargetOptions } from './lib/target.js';
import { openSockets } from './lib/ws-client.js';

const WINDOWS = 10;

export async function deadlines(args: Args, serverOpts: TargetOptions): Promise<{ figures: Figure[]; detail: object }> {
  const offerCount = args.num('deadline-offers', 5000);
  const racers = args.num('deadline-agents-per-lead', 10);
  const rate = args.num('deadline-rate', 100);
  const intakeRate = args.num('deadline-intake-rate', 50);
  const leadCount = Math.ceil(offerCount / racers);

  const target = await startTarget(serverOpts);
  const n = target.instances.length;
  const https = target.instances.map((s) => new HttpGql(s.url, 64));
  const http = (i: number) => https[i % n] as HttpGql;
  try {
    const sources: Source[] = [];
    const tokens: string[] = [];
    for (let w = 1; w <= WINDOWS; w++) {
      const office = await createOffice(http(0), `Window ${w}s`);
      tokens.push(...(await createAgents(http(0), racers, office, `win${w}`)).map((a) => a.token));
      sources.push(await createSource(http(0), { name: `Window ${w}s`, raceAgentCount: racers, acceptanceWindowSeconds: w, officeIds: [office] }));
    }
    // Background intake: a long-window source with its own agents, so its offers never expire here.
    const bgOffice = await createOffice(http(0), 'Background');
    tokens.push(...(await createAgents(http(0), 50, bgOffice, 'bg')).map((a) => a.token));
    const bgSource = await createSource(http(0), { name: 'Background portal', raceAgentCount: 1, acceptanceWindowSeconds: 900, officeIds: [bgOffice] });

    const sockets = await openSockets((i) => target.instance(i).wsUrl, tokens, 50);
    const lateness: number[] = [];
    for (const s of sockets) {
      s.subscribe(OFFERS);
      s.onNext = (_id, data, at) => {
        const ev = (data as OfferEvent).offers;
        if (ev.type !== 'EXPIRED') return;
        lateness.push(performance.timeOrigin + at - Date.parse(ev.offer.expiresAt));
      };
    }
    await sleep(1000);
    // Seeded: the database as a running deployment's would be (statistics, no dead rows).
    await target.settle();

    // Intake runs from before the first window opens until after the last one closes.
    let intakeOn = true;
    let intakeLeads = 0;
    const background = (async () => {
      for (let batch = 0; intakeOn && batch < 1000; batch++) {
        await steadyRate(intakeRate, intakeRate, async (i) => {
          await http(i).post(SUBMIT, { input: { sourceId: bgSource.id, firstName: `bg${batch}-${i}` } }, ADMIN_TOKEN);
          intakeLeads++;
        });
      }
    })();
    // A trivial query now and then during the run: the baseline for the expiry latency.
    const trivial: number[] = [];
    const probing = (async () => {
      for (let i = 0; intakeOn && i < 10_000; i++) {
        const s = performance.now();
        await http(i).post(TRIVIAL);
        trivial.push(performance.now() - s);
        await sleep(50);
      }
    })();

    await steadyRate(rate, leadCount, async (i) => {
      const source = sources[i % WINDOWS];
      if (!source) return;
      const res = await http(i).post(SUBMIT, { input: { sourceId: source.id, firstName: `d${i}` } }, ADMIN_TOKEN);
      if (res.errors?.length) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
    });
    const until = performance.now() + WINDOWS * 1000 + 5000;
    while (lateness.length < leadCount * racers && performance.now() < until) await sleep(50);
    intakeOn = false;
    await background;
    await probing;
    for (const s of sockets) s.close();
    await target.stop();

    const rows = await target.query<{ late: number }>({
      sqlite: `SELECT responded_at - expires_at AS late FROM offers WHERE state = 'EXPIRED'`,
      postgres: `SELECT (extract(epoch FROM responded_at - expires_at) * 1000)::float8 AS late FROM offers WHERE state = 'EXPIRED'`,
    });
    // Closed once: each offer has exactly one EXPIRED event (two instances' schedulers never both expire it).
    const perOffer = `FROM (SELECT count(*) AS c FROM lead_events WHERE type = 'EXPIRED' GROUP BY offer_id) d`;
    const [expiries] = await target.query<{ once: number; twice: number }>({
      sqlite: `SELECT coalesce(sum(c = 1), 0) AS once, coalesce(sum(c > 1), 0) AS twice ${perOffer}`,
      postgres: `SELECT count(*) FILTER (WHERE c = 1)::int AS once, count(*) FILTER (WHERE c > 1)::int AS twice ${perOffer}`,
    });
    if (!expiries) throw new Error('the check query returned no row');
    const processed = summary(rows.map((r) => r.late));
    const pushed = summary(lateness);
    const base = summary(trivial);
    const label = 'HTTP { __typename } round trip during the run';
    const figures = [
      figure({ bench: 'deadlines', metric: `expiry lateness at the socket p50 (${lateness.length} offers)`, value: pushed.p50, unit: 'ms', baseline: base.p50, baselineLabel: label, target: null, pass: null }),
      figure({ bench: 'deadlines', metric: 'expiry lateness at the socket p99', value: pushed.p99, unit: 'ms', baseline: base.p99, baselineLabel: label, target: '≤ 50 ms', pass: pushed.p99 <= 50 && lateness.length === leadCount * racers }),
      figure({ bench: 'deadlines', metric: 'expiry lateness in the database p99 (responded_at)', value: processed.p99, unit: 'ms', baseline: base.p99, baselineLabel: label, target: '≤ 50 ms', pass: processed.p99 <= 50 }),
      figure({ bench: 'deadlines', metric: 'offers expired, each once (lead events)', value: expiries.once, unit: 'offers', baseline: leadCount * racers, baselineLabel: 'offers made', target: 'all, once', pass: expiries.once === leadCount * racers && expiries.twice === 0 }),
    ];
    return { figures, detail: { offers: leadCount * racers, expiredSeen: lateness.length, expiredInDb: rows.length, expiredTwice: expiries.twice, instances: n, intakeLeads, pushed, processed, trivial: base } };
  } finally {
    for (const h of https) h.close();
    await target.remove();
  }
}
