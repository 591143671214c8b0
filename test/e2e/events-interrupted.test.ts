// An agent's live offers never go silently missing when the event bus may have lost events: with the
// Redis bus, Redis going away closes the agent's socket with 1012 (graphql-ws clients retry on it and
// resync from myOffers), instead of leaving a socket that looks live and hears nothing.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEventBus, type RedisEventBus } from '../../src/events/redis-event-bus.js';
import { WsCloseCode } from '../../src/server/ws-limits.js';
import { createAgent, createSource } from '../support/brokerage.js';
import { freePort } from '../support/child-server.js';
import { eventually, openRaw } from '../support/hardening.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { haveRedisServer, startPrivateRedis, type PrivateRedis } from '../support/services.js';

const available = haveRedisServer();
const OFFERS = 'subscription { offers { type offer { id lead { id } } } }';

describe.skipIf(!available)('events interrupted', () => {
  let redis: PrivateRedis;
  let bus: RedisEventBus;
  let t: TestServer;
  beforeAll(async () => {
    redis = await startPrivateRedis(await freePort());
    bus = createRedisEventBus({ url: redis.url, logger: pino({ level: 'silent' }) });
    await bus.ready();
    t = await startTestServer({ bus });
  });
  afterAll(async () => {
    await t?.close();
    await bus?.close();
    await redis?.stop();
  });

  it('losing Redis closes a subscribed agent socket with 1012; after Redis is back a new socket hears offers again', async () => {
    const agent = await createAgent(t);
    const source = await createSource(t, { raceAgentCount: 1 });
    const first = await openRaw(t.wsUrl, agent.token);
    first.subscribe('1', OFFERS);
    await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Ana' } });
    await first.waitFor((m) => m.type === 'next' && m.id === '1', 'the first offer');

    await redis.stop();
    const closed = await first.closed;
    expect(closed.code).toBe(WsCloseCode.EventsInterrupted);
    expect(closed.reason).toMatch(/myOffers/);

    await redis.start();
    // A socket subscribed before the server is back on Redis would be ended again once it is (what was
    // published before its subscription reached Redis never arrived): the agent's retry lands after.
    await eventually(() => bus.healthy(), 'the server back on Redis');
    const again = await openRaw(t.wsUrl, agent.token);
    again.subscribe('2', OFFERS);
    // The agent resyncs: the offer made before the interruption is still pending for them.
    const { myOffers } = await agent.sdk.MyOffers();
    expect(myOffers).toHaveLength(1);
    // A new lead after the interruption reaches the new socket.
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: (await createSource(t, { raceAgentCount: 1 })).id, firstName: 'Bea' } });
    const next = await again.waitFor((m) => m.type === 'next' && m.id === '2'
      && (m.payload as { data: { offers: { offer: { lead: { id: string } } } } }).data.offers.offer.lead.id === submitLead.id, 'an offer after Redis is back');
    expect(next).toBeDefined();
    again.socket.close();
  });
});
