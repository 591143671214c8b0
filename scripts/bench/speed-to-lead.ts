// Benchmark 1, speed to lead: agents connected over graphql-ws with an `offers` subscription, leads
// submitted at a steady rate; the time from sending submitLead to the RECEIVED event arriving on
// the offered agent's socket. Baseline: `{ __typename }` round trips over HTTP at the same rate.
//
// On several instances (--store=postgres), agent i's socket is on instance i mod n and lead j is
// submitted to instance j mod n, so in one run some offers reach an agent on the instance that made
// them and the others cross instances through Redis: both are reported, and their difference is what
// crossing instances costs.
//
// That difference compares two sets of leads: each p99 is the 15th-slowest of ~1,500, and a stall of
// the machine that a few leads of one set happen to meet moves it by milliseconds. So on several
// instances a second phase measures the cost per lead (--speed-paired-duration, 20 s at the same rate):
// its source offers each lead to two agents at once, next to each other in the rotation and so on
// different instances. Both offers leave the same commit; the crossing one's arrival minus the
// same-instance one's is what crossing added for that lead, the stalls both met cancelled out.
import { writeFileSync } from 'node:fs';
import type { Args } from './lib/args.js';
import { startCpuAccounting } from './lib/cpu-usage.js';
import { HttpGql } from './lib/http-client.js';
import { createAgents, createOffice, createSource, OFFERS, SUBMIT, TRIVIAL, type OfferEvent } from './lib/seed.js';
import { ADMIN_TOKEN } from './lib/server.js';
import { figure, sleep, steadyRate, summary, type Figure } from './lib/stats.js';
import { startTarget, type TargetOptions } from './lib/target.js';
import { openSockets } from './lib/ws-client.js';

/** The paired phase's agents (an office of their own): each gets 2 × rate × duration / this many offers. */
const PAIR_AGENTS = 100;

export async function speedToLead(args: Args, serverOpts: TargetOptions): Promise<{ figures: Figure[]; detail: object }> {
  const agentCount = args.num('speed-agents', 1000);
  const rate = args.num('speed-rate', 100);
  const seconds = args.num('speed-duration', 30);
  const baselineSeconds = args.num('speed-baseline-duration', 10);
  const warmupLeads = args.num('speed-warmup', 200);
  const pairedSeconds = args.num('speed-paired-duration', 20);

  const target = await startTarget(serverOpts);
  const n = target.instances.length;
  const https = target.instances.map((s) => new HttpGql(s.url, 64));
  const http = (i: number) => https[i % n] as HttpGql;
  try {
    const office = await createOffice(http(0), 'Speed');
    let t = performance.now();
    const agents = await createAgents(http(0), agentCount, office, 'speed');
    const seedMs = performance.now() - t;
    const source = await createSource(http(0), { name: 'Speed web form', raceAgentCount: 1, acceptanceWindowSeconds: 900 });

    t = performance.now();
    const sockets = await openSockets((i) => target.instance(i).wsUrl, agents.map((a) => a.token), 50);
    const connectMs = performance.now() - t;
    // firstName carries the lead's sequence number, so the push can be matched to its send time and
    // to the instance it was submitted to.
    const sentAt = new Map<string, { at: number; via: number }>();
    const latencies: number[] = [];
    /** [ms since the measured phase began, latency, 1 when the offer crossed instances] per lead (--speed-trace). */
    const trace: [number, number, number][] = [];
    let measuredFrom = 0;
    const sameInstance: number[] = [];
    const crossInstance: number[] = [];
    let received = 0;
    /** The paired phase's leads by firstName: when sent, where, and when each of its offers arrived. */
    const pairs = new Map<string, { at: number; via: number; same: number[]; cross: number[] }>();
    sockets.forEach((s, socketIdx) => {
      s.subscribe(OFFERS);
      s.onNext = (_id, data, at) => {
        const ev = (data as OfferEvent).offers;
        if (ev.type !== 'RECEIVED') return;
        const sent = sentAt.get(ev.offer.lead.firstName);
        if (sent === undefined) return;
        sentAt.delete(ev.offer.lead.firstName);
        received++;
        if (!ev.offer.lead.firstName.startsWith('m')) return;
        latencies.push(at - sent.at);
        const crossing = socketIdx % n !== sent.via;
        trace.push([Math.round(sent.at - measuredFrom), +(at - sent.at).toFixed(2), crossing ? 1 : 0]);
        (crossing ? crossInstance : sameInstance).push(at - sent.at);
      };
    });
    await sleep(1000);
    // Seeded: the database as a running deployment's would be (statistics, no dead rows).
    await target.settle();

    const submit = (name: string, i: number) => async () => {
      sentAt.set(name, { at: performance.now(), via: i % n });
      const res = await http(i).post(SUBMIT, { input: { sourceId: source.id, firstName: name, message: 'Looking for a 3-bed house' } }, ADMIN_TOKEN);
      if (res.errors?.length) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
    };
    // Warm-up (JIT, statement cache, socket buffers), not measured.
    await steadyRate(rate, warmupLeads, (i) => submit(`w${i}`, i)());

    const baseline: number[] = [];
    await steadyRate(rate, Math.round(rate * baselineSeconds), async (i) => {
      const s = performance.now();
      const res = await http(i).post(TRIVIAL);
      if (res.errors?.length) throw new Error('trivial query failed');
      baseline.push(performance.now() - s);
    });

    const count = Math.round(rate * seconds);
    // The warm-up's leads, offers and outbox rows are in the statistics too. Then warmed up again, not
    // measured: on PostgreSQL the ANALYZE invalidates every cached plan of every connection, and the
    // first second or two of leads after it were re-planning (speed p50 70-170 ms on two instances).
    await target.settle();
    await steadyRate(rate, warmupLeads, (i) => submit(`v${i}`, i)());
    // Every process's CPU over the measured leads: where a lead's time goes when the cores are shared.
    const cpu = await startCpuAccounting(() => target.processGroups());
    // Transactions rolled back over the measured leads (PostgreSQL): on several instances, mostly first
    // rounds refused because another instance moved the source's rotation (LR001), each run again.
    const rollbacks = () => target.store === 'postgres'
      ? target.query<{ n: string }>({ sqlite: '', postgres: 'SELECT xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()' })
        .then((rows) => Number(rows[0]?.n ?? 0))
      : Promise.resolve(null);
    const rollbacksBefore = await rollbacks();
    measuredFrom = performance.now();
    await steadyRate(rate, count, (i) => submit(`m${i}`, i)());
    const deadline = performance.now() + 5000;
    while (latencies.length < count && performance.now() < deadline) await sleep(20);
    const cpuUsage = await cpu.stop();
    // PostgreSQL reports a backend's counters within a second of its transactions.
    await sleep(target.store === 'postgres' ? 1200 : 0);
    const rollbacksAfter = await rollbacks();

    // The paired phase (several instances), after the measured one and on agents of its own, so that the
    // measured phase is as it was. Its source offers each lead to two neighbours in the rotation (ids in
    // order), whose sockets are put on different instances: agent k of the office, in id order, on
    // instance k mod n (a lead whose two offers are on one instance anyway is counted apart).
    let paired: { diffs: number[]; same: number[]; cross: number[]; leads: number; notSplit: number } | null = null;
    if (n > 1 && pairedSeconds > 0) {
      const pairOffice = await createOffice(http(0), 'Speed pairs');
      const pairAgents = (await createAgents(http(0), PAIR_AGENTS, pairOffice, 'pair')).sort((a, b) => Number(a.id) - Number(b.id));
      const pairSource = await createSource(http(0), { name: 'Speed pairs', raceAgentCount: 2, acceptanceWindowSeconds: 900, officeIds: [pairOffice] });
      const pairSockets = await openSockets((k) => target.instance(k % n).wsUrl, pairAgents.map((a) => a.token), 50);
      pairSockets.forEach((ps, k) => {
        ps.subscribe(OFFERS);
        ps.onNext = (_id, data, at) => {
          const ev = (data as OfferEvent).offers;
          const pair = ev.type === 'RECEIVED' ? pairs.get(ev.offer.lead.firstName) : undefined;
          if (pair) (k % n === pair.via ? pair.same : pair.cross).push(at - pair.at);
        };
      });
      sockets.push(...pairSockets);
      await sleep(500);
      const submitPair = (name: string, i: number) => async () => {
        pairs.set(name, { at: performance.now(), via: i % n, same: [], cross: [] });
        const res = await http(i).post(SUBMIT, { input: { sourceId: pairSource.id, firstName: name, message: 'Looking for a 3-bed house' } }, ADMIN_TOKEN);
        if (res.errors?.length) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
      };
      await steadyRate(rate, Math.min(warmupLeads, 100), (i) => submitPair(`q${i}`, i)());
      const pairCount = Math.round(rate * pairedSeconds);
      await steadyRate(rate, pairCount, (i) => submitPair(`p${i}`, i)());
      const measured = () => [...pairs].filter(([name]) => name.startsWith('p')).map(([, p]) => p);
      const until = performance.now() + 5000;
      while (measured().some((p) => p.same.length + p.cross.length < 2) && performance.now() < until) await sleep(20);
      const split = measured().filter((p) => p.same.length === 1 && p.cross.length === 1);
      paired = {
        diffs: split.map((p) => (p.cross[0] as number) - (p.same[0] as number)),
        same: split.map((p) => p.same[0] as number),
        cross: split.map((p) => p.cross[0] as number),
        leads: pairCount,
        notSplit: pairCount - split.length,
      };
    }
    for (const s of sockets) s.close();
    const traceFile = args.str('speed-trace', '');
    if (traceFile) writeFileSync(`${traceFile}.${target.store}${n}.json`, JSON.stringify({ epoch: performance.timeOrigin + measuredFrom, trace }));

    const lead = summary(latencies);
    const base = summary(baseline);
    const label = 'HTTP { __typename } at the same rate';
    // The 10 ms target is SQLite's; PostgreSQL's is relative to SQLite's in the same run (compare.ts).
    const sqlite = target.store === 'sqlite';
    const figures = [
      figure({ bench: 'speed to lead', metric: `p50 (${agentCount} agents, ${rate}/s)`, value: lead.p50, unit: 'ms', baseline: base.p50, baselineLabel: label, target: null, pass: null }),
      figure({ bench: 'speed to lead', metric: `p99 (${agentCount} agents, ${rate}/s)`, value: lead.p99, unit: 'ms', baseline: base.p99, baselineLabel: label, target: sqlite ? '≤ 10 ms' : null, pass: sqlite ? lead.p99 <= 10 : null }),
      figure({ bench: 'speed to lead', metric: 'max', value: lead.max, unit: 'ms', baseline: base.max, baselineLabel: label, target: null, pass: null }),
      figure({ bench: 'speed to lead', metric: 'pushes received / leads sent', value: latencies.length, unit: 'leads', baseline: count, baselineLabel: 'sent', target: 'all', pass: latencies.length === count }),
    ];
    if (rollbacksBefore !== null && rollbacksAfter !== null) {
      figures.push(figure({ bench: 'speed to lead', metric: 'transactions rolled back (refused first rounds, run again)', value: rollbacksAfter - rollbacksBefore, unit: 'tx', baseline: count, baselineLabel: 'leads sent', target: null, pass: null }));
    }
    const same = summary(sameInstance);
    const cross = summary(crossInstance);
    if (n > 1) {
      figures.push(
        figure({ bench: 'speed to lead', metric: 'p50, offer to an agent on the instance that took the lead', value: same.p50, unit: 'ms', baseline: base.p50, baselineLabel: label, target: null, pass: null }),
        figure({ bench: 'speed to lead', metric: 'p99, offer to an agent on the instance that took the lead', value: same.p99, unit: 'ms', baseline: base.p99, baselineLabel: label, target: null, pass: null }),
        figure({ bench: 'speed to lead', metric: 'p50, offer crossing instances (through Redis)', value: cross.p50, unit: 'ms', baseline: same.p50, baselineLabel: 'same instance', target: null, pass: null }),
        figure({ bench: 'speed to lead', metric: 'p99, offer crossing instances (through Redis)', value: cross.p99, unit: 'ms', baseline: same.p99, baselineLabel: 'same instance', target: '≤ same instance + 5 ms', pass: cross.p99 <= same.p99 + 5 }),
      );
    }
    if (paired) {
      const d = summary(paired.diffs);
      const ps = summary(paired.same);
      const pc = summary(paired.cross);
      const label = 'the same lead\'s offer on the instance that took it';
      figures.push(
        figure({ bench: 'speed to lead', metric: 'paired: p99, offer to an agent on the instance that took the lead (2 agents a lead)', value: ps.p99, unit: 'ms', baseline: base.p99, baselineLabel: 'HTTP { __typename } at the same rate', target: null, pass: null }),
        figure({ bench: 'speed to lead', metric: 'paired: p99, offer crossing instances (2 agents a lead)', value: pc.p99, unit: 'ms', baseline: ps.p99, baselineLabel: 'same instance', target: null, pass: null }),
        figure({ bench: 'speed to lead', metric: 'paired: p50, what crossing added to a lead\'s offer', value: d.p50, unit: 'ms', baseline: null, baselineLabel: label, target: null, pass: null }),
        figure({ bench: 'speed to lead', metric: 'paired: p99, what crossing added to a lead\'s offer', value: d.p99, unit: 'ms', baseline: null, baselineLabel: label, target: '≤ 5 ms', pass: d.p99 <= 5 }),
        figure({ bench: 'speed to lead', metric: 'paired: leads whose two offers were on one instance (not counted)', value: paired.notSplit, unit: 'leads', baseline: paired.leads, baselineLabel: 'leads sent', target: null, pass: null }),
      );
    }
    return {
      figures,
      detail: {
        agents: agentCount, rate, seconds, instances: n, seedAgentsMs: Math.round(seedMs), connectMs: Math.round(connectMs), received, lead, baseline: base,
        cpu: cpuUsage, leads: count,
        ...(rollbacksBefore !== null && rollbacksAfter !== null ? { rollbacksPerLead: +((rollbacksAfter - rollbacksBefore) / count).toFixed(3) } : {}),
        ...(n > 1 ? { sameInstance: same, crossInstance: cross } : {}),
        ...(paired ? { paired: { leads: paired.leads, notSplit: paired.notSplit, crossingAdded: summary(paired.diffs), sameInstance: summary(paired.same), crossInstance: summary(paired.cross) } } : {}),
      },
    };
  } finally {
    for (const h of https) h.close();
    await target.remove();
  }
}
