// What the operations metrics (src/ops/metrics.ts) cost per lead on the hot path, measured in
// process: the commit listener (a lead created, an offer made), the offer picked and observed as its
// result goes to the socket (ws-guard.ts), and the lead log's listener at LOG_LEVEL=warn and info.
// The end-to-end speed-to-lead benchmark (npm run bench -- --only=speed) is too noisy on a shared
// machine to resolve a few microseconds; this gives the figure to set against its p50 (~3 ms).
// Also: how long one scrape of /metrics takes (it runs on the event loop).
//   npx tsx scripts/bench-metrics-cost.ts [--leads=200000]
import { pino } from 'pino';
import type { CommittedChanges, OfferChange } from '../src/events/routing-events.js';
import { createLeadLog } from '../src/ops/lead-log.js';
import { createMetrics } from '../src/ops/metrics.js';
import type { LeadEventRow, LeadRow, OfferRow } from '../src/store/rows.js';
import { systemClock } from '../src/time/clock.js';

const leads = Number(/^--leads=(\d+)$/.exec(process.argv[2] ?? '')?.[1] ?? 200_000);
const metrics = createMetrics({ clock: systemClock });
metrics.readFrom({ websocketConnections: () => 1000, outboxPending: async () => ({ sms: 3, email: 1 }) });

const now = new Date();
const lead = { id: 1, sourceId: 1, kind: 'GENERAL', round: 1 } as LeadRow;
const changesFor = (i: number): { changes: CommittedChanges; offer: OfferChange } => {
  const offerRow = { id: i, leadId: i, agentId: 7, round: 1, direct: false, state: 'PENDING', offeredAt: now, expiresAt: now } as OfferRow;
  const offer: OfferChange = { type: 'RECEIVED', offer: offerRow, lead: { ...lead, id: i } };
  const created = { id: i, leadId: i, type: 'CREATED', at: now, actorId: null, agentId: null, offerId: null, note: null } as LeadEventRow;
  return { offer, changes: { offers: [offer], leadEvents: [{ event: created, lead: offer.lead, audience: [], former: [] }] } };
};
// Built before timing: the server builds these whatever the metrics do.
const inputs = Array.from({ length: leads }, (_, i) => changesFor(i + 1));
const results = inputs.map(() => ({ data: {} }));
const remembered = new WeakMap<object, unknown>();

function perLead(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(leads, 20_000); i++) fn(i); // warm-up (JIT)
  const start = process.hrtime.bigint();
  for (let i = 0; i < leads; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start) / leads;
  console.log(`${label.padEnd(58)} ${(ns / 1000).toFixed(3)} µs per lead`);
  return ns;
}

const metricsNs = perLead('metrics: commit listener + offer tracked and observed', (i) => {
  const input = inputs[i] as (typeof inputs)[number];
  metrics.onCommitted(input.changes);
  const result = results[i] as object;
  if (metrics.offerTiming.tracks(input.offer)) remembered.set(result, input.offer);
  const event = remembered.get(result);
  if (event !== undefined) {
    remembered.delete(result);
    metrics.offerTiming.sent(event);
  }
});
const quiet = createLeadLog({ logger: pino({ level: 'warn' }), roundDecisions: async () => null });
perLead('lead log listener at LOG_LEVEL=warn (the benchmark server)', (i) => quiet.onCommitted((inputs[i] as (typeof inputs)[number]).changes));

const scrapes = 200;
const start = process.hrtime.bigint();
for (let i = 0; i < scrapes; i++) await metrics.registry.metrics();
console.log(`${'one /metrics scrape (registry.metrics())'.padEnd(58)} ${(Number(process.hrtime.bigint() - start) / scrapes / 1e6).toFixed(3)} ms`);
console.log(`\nagainst a speed-to-lead p50 of 3 ms: the metrics are ${(metricsNs / 3e6 * 100).toFixed(3)} % of it`);
