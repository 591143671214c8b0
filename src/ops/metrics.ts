// The figures an operator scrapes from GET /metrics (metrics-route.ts): Prometheus text from
// prom-client, one registry per server (tests run several servers in one process). Counters move
// after commit, from what LeadChanges announces; speed to lead is observed when an offer is handed
// to the agent's socket; the gauges are read at scrape time. Per instance: every series here counts
// what this process did, except leadrace_outbox_pending, which counts the shared database's rows.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommittedChanges, OfferEventType } from '../events/routing-events.js';
import type { AttemptOutcome } from '../notify/delivery-worker.js';
import type { NotificationRow } from '../store/rows.js';
import type { Clock } from '../time/clock.js';

type Channel = NotificationRow['channel'];
type Closed = Exclude<OfferEventType, 'RECEIVED'>;

/** Seconds from the routing commit to the offer on the agent's socket: the product promises milliseconds. */
const SPEED_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds from the lead's commit to the provider taking the message: seconds, minutes on retries. */
const DELIVERY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/** What ws-guard.ts times from a subscription event's execution to its result going to the socket. */
export interface SendTiming {
  /** Whether this event is timed (then its result is remembered until sent). */
  tracks(event: unknown): boolean;
  /** The event's result is being handed to the socket now. */
  sent(event: unknown): void;
}

export interface MetricsSources {
  /** Open WebSockets of this instance. */
  websocketConnections: () => number;
  /** Unsent outbox rows per channel (the shared database). */
  outboxPending: () => Promise<Record<Channel, number>>;
}

/** The offer id of a RECEIVED offer event (OfferChange), or null for any other event. */
function receivedOfferId(event: unknown): number | null {
  if (typeof event !== 'object' || event === null || !('type' in event) || event.type !== 'RECEIVED' || !('offer' in event)) return null;
  const offer = event.offer;
  return typeof offer === 'object' && offer !== null && 'id' in offer && typeof offer.id === 'number' ? offer.id : null;
}

export function createMetrics(deps: { clock: Clock }) {
  const { clock } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let sources: MetricsSources | null = null;

  const leadsCreated = new Counter({
    name: 'leadrace_leads_created_total', help: 'Leads created, by kind and lead source id.', labelNames: ['kind', 'source'], registers,
  });
  const offers = new Counter({
    name: 'leadrace_offers_total', help: 'Offers made to agents (direct ones auto-accepted included), by lead source id.', labelNames: ['source'], registers,
  });
  const offersClosed = new Counter({
    name: 'leadrace_offers_closed_total', help: 'Offers closed, by outcome (ACCEPTED, DECLINED, EXPIRED, TAKEN).', labelNames: ['outcome'], registers,
  });
  const speedToLead = new Histogram({
    name: 'leadrace_speed_to_lead_seconds',
    help: 'From the routing commit to the offer written to the agent\'s socket (offers routed and delivered by this instance; first socket of the agent).',
    buckets: SPEED_BUCKETS, registers,
  });
  new Gauge({
    name: 'leadrace_websocket_connections', help: 'Open WebSocket connections of this instance.', registers,
    collect() { this.set(sources?.websocketConnections() ?? 0); },
  });
  new Gauge({
    name: 'leadrace_outbox_pending', help: 'Notifications not yet sent (pending or waiting to retry), by channel; global (the database).',
    labelNames: ['channel'], registers,
    async collect() {
      if (!sources) return;
      const pending = await sources.outboxPending();
      for (const channel of Object.keys(pending) as Channel[]) this.set({ channel }, pending[channel]);
    },
  });
  const delivery = new Histogram({
    name: 'leadrace_notification_delivery_seconds', help: 'From the lead\'s commit to the provider accepting the message, by channel.',
    labelNames: ['channel'], buckets: DELIVERY_BUCKETS, registers,
  });
  const attempts = new Counter({
    name: 'leadrace_notification_attempts_total', help: 'Delivery attempts by channel and outcome (sent, retry, failed: given up).',
    labelNames: ['channel', 'outcome'], registers,
  });

  // Children bound once: the hot path increments without building label objects.
  const closedBy: Record<Closed, Counter.Internal> = {
    ACCEPTED: offersClosed.labels('ACCEPTED'), DECLINED: offersClosed.labels('DECLINED'),
    EXPIRED: offersClosed.labels('EXPIRED'), TAKEN: offersClosed.labels('TAKEN'),
  };
  for (const child of Object.values(closedBy)) child.inc(0);
  const createdBySource = new Map<number, Map<string, Counter.Internal>>();
  const createdOf = (sourceId: number, kind: string): Counter.Internal => {
    let kinds = createdBySource.get(sourceId);
    if (!kinds) createdBySource.set(sourceId, kinds = new Map());
    let child = kinds.get(kind);
    if (!child) kinds.set(kind, child = leadsCreated.labels(kind, String(sourceId)));
    return child;
  };
  const offersBySource = new Map<number, Counter.Internal>();
  const offersOf = (sourceId: number): Counter.Internal => {
    let child = offersBySource.get(sourceId);
    if (!child) offersBySource.set(sourceId, child = offers.labels(String(sourceId)));
    return child;
  };
  /**
   * When each offer made by this instance committed, until it is first written to a socket or
   * closes: bounded by the offers pending here. An offer routed by another instance is not in it.
   */
  const committedAt = new Map<number, number>();

  return {
    registry,

    /** The live figures read at scrape time; until given, they read 0. */
    readFrom(s: MetricsSources): void {
      sources = s;
    },

    /** The LeadChanges listener: counts leads and offers as they commit. */
    onCommitted(changes: CommittedChanges): void {
      const at = clock.now();
      let created: Set<number> | null = null;
      for (const { event, lead } of changes.leadEvents) {
        if (event.type !== 'CREATED') continue;
        createdOf(lead.sourceId, lead.kind).inc();
        (created ??= new Set()).add(lead.id);
      }
      for (const { type, offer, lead } of changes.offers) {
        if (type === 'RECEIVED') {
          offersOf(lead.sourceId).inc();
          committedAt.set(offer.id, at);
          continue;
        }
        // A direct lead accepted for its agent as it came in: made and closed in one commit.
        if (type === 'ACCEPTED' && created?.has(lead.id)) offersOf(lead.sourceId).inc();
        closedBy[type].inc();
        committedAt.delete(offer.id);
      }
    },

    /**
     * Speed to lead, timed by ws-guard.ts: `tracks` picks a RECEIVED offer committed here as it is
     * executed for a socket, `sent` observes it as graphql-ws hands its result to the socket (the
     * first of the agent's sockets). Neither allocates beyond the observation.
     */
    offerTiming: {
      tracks: (event: unknown): boolean => {
        const id = receivedOfferId(event);
        return id !== null && committedAt.has(id);
      },
      sent: (event: unknown): void => {
        const id = receivedOfferId(event);
        const at = id === null ? undefined : committedAt.get(id);
        if (id === null || at === undefined) return;
        committedAt.delete(id);
        speedToLead.observe((clock.now() - at) / 1000);
      },
    } satisfies SendTiming,

    /** The delivery worker's observer: attempts by outcome, and the latency of those the provider took. */
    deliveryAttempt(row: NotificationRow, outcome: AttemptOutcome, now: number): void {
      attempts.labels(row.channel, outcome).inc();
      if (outcome === 'sent') delivery.labels(row.channel).observe((now - row.createdAt.getTime()) / 1000);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
