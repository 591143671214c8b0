// WebSocket limits over real sockets: connections per user, operations per connection, a slow
// consumer dropped without holding up others, and dead sockets found by ping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { channels } from '../../src/events/event-bus.js';
import type { LeadChange } from '../../src/events/routing-events.js';
import { WsCloseCode } from '../../src/server/ws-limits.js';
import { eventually, openRaw, startHardenedServer, type HardenedServer } from '../support/hardening.js';

let t: HardenedServer;
let seq = 0;

beforeAll(async () => {
  t = await startHardenedServer({
    env: { WS_MAX_CONNECTIONS_PER_USER: '2', WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3' },
    // Keep-alive stays long here: a paused socket answers no ping, and a short keep-alive would
    // race the slow-consumer drop on a loaded machine (1006 instead of 4008).
    wsLimits: { maxQueuedEvents: 8 },
  });
});
afterAll(async () => { await t.close(); });

async function newUser(role: 'ADMIN' | 'AGENT' = 'AGENT'): Promise<string> {
  seq += 1;
  const { createUser } = await t.admin.CreateUser({ input: { name: `WS ${seq}`, email: `ws${seq}@example.com`, role } });
  return (await t.admin.IssueApiToken({ userId: createUser.id })).issueApiToken.token;
}

describe('connections per user', () => {
  it('one connection over WS_MAX_CONNECTIONS_PER_USER is closed with 4429; others are unaffected; a freed slot can be used', async () => {
    const token = await newUser();
    const a = await openRaw(t.wsUrl, token);
    const b = await openRaw(t.wsUrl, token);
    const c = await openRaw(t.wsUrl, token);
    expect(await c.closed).toEqual({ code: WsCloseCode.TooManyConnections, reason: 'too many connections for this user' });
    expect(a.messages[0]?.type).toBe('connection_ack');
    const other = await openRaw(t.wsUrl, await newUser());
    expect(other.messages[0]?.type).toBe('connection_ack');
    a.socket.close(1000);
    await a.closed;
    // The server counts the slot free once it has seen the close; try until it has.
    const d = await eventually(async () => {
      const attempt = await openRaw(t.wsUrl, token);
      return attempt.messages[0]?.type === 'connection_ack' ? attempt : undefined;
    }, 'a new connection after one closed');
    expect(d.messages[0]?.type).toBe('connection_ack');
    for (const s of [b, other, d]) s.socket.close(1000);
  });
});

describe('operations per connection', () => {
  it('one subscription over WS_MAX_SUBSCRIPTIONS_PER_CONNECTION gets TOO_MANY_SUBSCRIPTIONS; the socket stays open', async () => {
    const c = await openRaw(t.wsUrl, await newUser());
    for (const id of ['1', '2', '3']) c.subscribe(id, 'subscription { offers { type } }');
    c.subscribe('4', 'subscription { offers { type } }');
    const refused = await c.waitFor((m) => m.id === '4', 'the fourth refused');
    expect(refused).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 3 } }] });
    // Completing one frees a slot.
    c.socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    await eventually(async () => {
      const id = `again-${Date.now()}-${Math.random()}`;
      c.subscribe(id, '{ me { role } }');
      const m = await c.waitFor((x) => x.id === id && (x.type === 'next' || x.type === 'error'), 'an answer');
      return m.type === 'next' ? m : undefined;
    }, 'a slot after complete');
    expect(c.socket.readyState).toBe(c.socket.OPEN);
    c.socket.close(1000);
  });
});

describe('messages and subprotocol', () => {
  it('a message over 1 MB closes the socket with 1009 before it reaches graphql-ws', async () => {
    const c = await openRaw(t.wsUrl, await newUser());
    c.subscribe('big', `{ __typename ${' '.repeat(1024 * 1024)} }`);
    expect((await c.closed).code).toBe(WsCloseCode.MessageTooBig);
  });

  it('a client that asks for no subprotocol is closed with 4406', async () => {
    const socket = new WebSocket(t.wsUrl);
    const closed = await new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    expect(closed).toBe(4406);
  });
});

describe('slow consumers', () => {
  it('a client that stops reading is closed with 4008 while another subscriber receives every event', async () => {
    const { createLeadSource } = await t.admin.CreateLeadSource({ input: { name: 'Slow' } });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: createLeadSource.id, firstName: 'Big', message: 'x'.repeat(5000) } });
    const services = t.server.services;
    const lead = await services.stores.leads.findLead(Number(submitLead.id));
    const event = (await services.stores.leads.eventsOfLead(Number(submitLead.id)))[0];
    if (!lead || !event) throw new Error('lead not stored');
    const change: LeadChange = { event, lead, audience: [], former: [] };

    // About 250 KB per event for the slow client, a few bytes for the healthy one.
    const wide = Array.from({ length: 50 }, (_, i) => `m${i}: lead { message }`).join(' ');
    const slow = await openRaw(t.wsUrl, await newUser('ADMIN'));
    const healthy = await openRaw(t.wsUrl, await newUser('ADMIN'));
    slow.subscribe('s', `subscription { leadEvents { ${wide} } }`);
    healthy.subscribe('h', 'subscription { leadEvents { type } }');
    const nextCount = (c: typeof slow, id: string) => c.messages.filter((m) => m.id === id && m.type === 'next').length;
    // Both subscriptions are live once a first event reaches both.
    await eventually(() => {
      services.bus.publish(channels.allLeads(), change);
      return nextCount(slow, 's') > 0 && nextCount(healthy, 'h') > 0;
    }, 'both subscribed');
    const warmup = nextCount(healthy, 'h');

    slow.socket.pause();
    // Bursts no larger than the bound, each published once the healthy client has the last one: it
    // never falls behind, while the paused one's backlog grows until it passes the bound.
    let published = 0;
    const dropped = () => t.logs.some((l) => l.msg === 'dropping a slow WebSocket consumer');
    while (!dropped() && published < 2000) {
      for (let i = 0; i < 4; i++) services.bus.publish(channels.allLeads(), change);
      published += 4;
      await eventually(() => nextCount(healthy, 'h') >= warmup + published, 'the healthy client keeps up');
    }
    expect(dropped()).toBe(true);
    slow.socket.resume();
    expect(await slow.closed).toEqual({ code: WsCloseCode.SlowConsumer, reason: 'slow consumer: the client stopped reading' });
    expect(nextCount(slow, 's')).toBeLessThan(warmup + published);
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
    healthy.socket.close(1000);
  });
});

describe('keep-alive', () => {
  it('a socket that stops answering pings is terminated; one that answers stays open', async () => {
    // A server of its own with a 100 ms keep-alive, so no other test's sockets are pinged that often.
    const k = await startHardenedServer({ wsLimits: { keepAliveMs: 100 } });
    try {
      await keepAlive(k);
    } finally {
      await k.close();
    }
  });
});

/** One socket answers pings and stays open; one that stops answering is terminated. */
async function keepAlive(k: HardenedServer): Promise<void> {
  const user = async () => {
    seq += 1;
    const { createUser } = await k.admin.CreateUser({ input: { name: `KA ${seq}`, email: `ka${seq}@example.com`, role: 'AGENT' } });
    return (await k.admin.IssueApiToken({ userId: createUser.id })).issueApiToken.token;
  };
  const live = await openRaw(k.wsUrl, await user());
  let pings = 0;
  live.socket.on('ping', () => { pings += 1; });
  const dead = await openRaw(k.wsUrl, await user(), { autoPong: false });
  // Terminated without a close frame: the client sees 1006 (abnormal closure).
  expect((await dead.closed).code).toBe(1006);
  await eventually(() => pings >= 3, 'three pings answered');
  expect(live.socket.readyState).toBe(live.socket.OPEN);
  live.socket.close(1000);
}
