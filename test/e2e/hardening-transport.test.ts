// The HTTP and WebSocket transport never falls over: request targets that are not URLs, garbage
// on the socket and unknown methods get an HTTP error and the server keeps serving (on a real
// production-mode server process, since the old failure was the process exiting); a request
// whose headers or body stop arriving is cut off; and one address cannot hold more than its share
// of TCP connections. Requests go out as raw bytes over net.Socket: fetch normalises a target.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, kill9, startChild } from '../support/child-server.js';
import { eventually, openRaw, startHardenedServer, type HardenedServer, type RawClient } from '../support/hardening.js';
import { exchange, openTcp, type TcpConnection } from '../support/raw-http.js';
import { TEST_STORE } from '../support/test-database.js';
import { ADMIN_TOKEN } from '../support/server.js';

/**
 * Targets Node's HTTP parser accepts and WHATWG URL refuses (a port out of range, a broken IPv6
 * host, a bad %-escape in a host, an empty host): one per route, since each route sees the
 * target only after it is parsed.
 */
const MALFORMED_TARGETS = [
  'http://x:99999/',
  '//[',
  'http://[xyz]/graphql',
  'http://x:99999/graphql',
  'http://[::1/healthz',
  '//x:99999/o/abc',
  'http://%zz/forms/key',
  'http://a:b@/inbound/email',
  '//[::1]:x/graphql?query=%7B__typename%7D',
];

const get = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`;

/** A WebSocket handshake for graphql-transport-ws, as a browser or the ws package sends it. */
const upgrade = (target: string) => `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n`
  + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n';

/**
 * Resolves with `promise`, or fails naming `what` if it has not settled within `ms`. The bound is
 * far above the configured timeouts and far below Node's defaults (60 s headers, 300 s request,
 * no cap at all), so only the configured behaviour passes, on a loaded machine too.
 */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}


/** What /healthz answers while this instance can serve (no Redis configured here). */
const HEALTHY = JSON.stringify({ status: 'ok', database: 'ok', redis: 'not configured', store: TEST_STORE });

describe('a production server given requests that are not well formed', () => {
  let dir: string;
  let port: number;
  let child: ChildProcess;
  /** A subscriber connected before any of it: it must still be there, on the same process. */
  let subscriber: RawClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leadrace-transport-'));
    port = await freePort();
    child = await startChild(join(dir, 'test.db'), port, { NODE_ENV: 'production' });
    subscriber = await openRaw(`ws://127.0.0.1:${port}/graphql`, ADMIN_TOKEN);
    expect(subscriber.messages[0]?.type).toBe('connection_ack');
  });
  afterAll(async () => {
    subscriber.socket.close(1000);
    await kill9(child);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The server process is the same one, it answers /healthz, and the early subscriber is still served. */
  async function stillServing(): Promise<void> {
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    const health = await exchange(port, get('/healthz'));
    expect([health.status, health.body]).toEqual([200, HEALTHY]);
    subscriber.socket.send(JSON.stringify({ type: 'ping' }));
    await subscriber.waitFor((m) => m.type === 'pong', 'a pong from the server');
    subscriber.messages.length = 0;
  }

  it.each(MALFORMED_TARGETS)('GET %s is answered 400 and the server keeps serving', async (target) => {
    const res = await exchange(port, get(target));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'the request target is not a valid URL' });
    // Answered like any request: with its request id.
    expect(res.head).toMatch(/\r\nx-request-id: [\w-]+/i);
    await stillServing();
  });

  it.each(MALFORMED_TARGETS)('a WebSocket upgrade to %s is answered 400 and the server keeps serving', async (target) => {
    const res = await exchange(port, upgrade(target));
    expect(res.status).toBe(400);
    await stillServing();
  });

  it('POST, OPTIONS (a CORS preflight) and HEAD to a malformed target are answered 400 too', async () => {
    const body = '{"query":"{ __typename }"}';
    const post = await exchange(port, `POST http://x:99999/graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n`
      + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(post.status).toBe(400);
    const preflight = await exchange(port, `OPTIONS //[ HTTP/1.1\r\nHost: localhost\r\nOrigin: https://dash.example.com\r\n`
      + 'Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n');
    expect(preflight.status).toBe(400);
    const head = await exchange(port, 'HEAD http://[xyz]/healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(head.status).toBe(400);
    await stillServing();
  });

  it('an odd but valid target is still served: absolute form, a request id the server does not take, a bad %-escape in the query', async () => {
    const absolute = await exchange(port, get('http://leadrace.example.com/healthz'));
    expect([absolute.status, absolute.body]).toEqual([200, HEALTHY]);
    const oddId = await exchange(port, get('/healthz', 'X-Request-Id: ../../etc/passwd\r\n'));
    expect(oddId.status).toBe(200);
    expect(oddId.head).not.toContain('passwd');
    const escape = await exchange(port, get('/graphql?query=%7B__typename%7D&variables=%zz'));
    expect(escape.status).toBe(400);
    await stillServing();
  });

  it.each([
    ['a TLS ClientHello on the plain HTTP port', 400, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
    ['a header line without a colon', 400, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n'],
    ['both Content-Length and Transfer-Encoding (request smuggling)', 400,
      'POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['headers over 16 KB', 431, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['a control character in the target', 400, 'GET /heal\x01thz HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['HTTP/2 prior knowledge', 400, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ] as const)('%s is answered %i and the server keeps serving', async (_what, status, bytes) => {
    const res = await exchange(port, bytes);
    expect(res.status).toBe(status);
    await stillServing();
  });

  it('a CONNECT request (no proxy here) is closed, and the server keeps serving', async () => {
    const connection = await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n').catch((err: unknown) => err);
    expect(connection).toBeInstanceOf(Error);
    await stillServing();
  });
});

describe('WebSocket input that graphql-ws turns into a close reason', () => {
  let t: HardenedServer;
  beforeAll(async () => { t = await startHardenedServer(); });
  afterAll(async () => { await t.close(); });

  it('a duplicate subscription id too long for a close reason still closes the socket with 4409, the reason cut to 123 bytes', async () => {
    const c = await openRaw(t.wsUrl, ADMIN_TOKEN);
    // 200 bytes of UTF-8: "Subscriber for <id> already exists" cannot be sent as it is.
    const id = 'é'.repeat(100);
    c.subscribe(id, 'subscription { leadEvents { type } }');
    c.subscribe(id, 'subscription { leadEvents { type } }');
    const { code, reason } = await c.closed;
    expect(code).toBe(4409);
    expect(reason).toMatch(/^Subscriber for é+$/);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(t.logs.filter((l) => l.msg === 'internal error while handling a WebSocket message')).toEqual([]);
  });
});

describe('clients that send too slowly are cut off (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS)', () => {
  let t: HardenedServer;
  const open: TcpConnection[] = [];
  beforeAll(async () => {
    t = await startHardenedServer({
      env: { HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '600', HTTP_KEEP_ALIVE_TIMEOUT_MS: '7000' },
    });
  });
  afterAll(async () => {
    for (const c of open) c.socket.destroy();
    await t.close();
  });
  const connect = async () => {
    const c = await openTcp(t.server.port);
    open.push(c);
    return c;
  };
  /** Cutting a client off is the server working as meant: nothing is logged as a server error. */
  const errorLogs = () => t.logs.filter((l) => typeof l.level === 'number' && l.level >= 50);

  it('a connection that sends nothing gets 408 and is closed', async () => {
    const idle = await connect();
    await within(idle.closed, 8_000, 'the server closes an idle new connection');
    expect(idle.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('headers that stop arriving get 408 and the connection is closed', async () => {
    const c = await connect();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    await within(c.closed, 8_000, 'the server closes a connection whose headers stopped');
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a body that stops arriving (slow loris) gets 408 and the connection is closed', async () => {
    const c = await connect();
    c.socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":');
    await within(c.closed, 8_000, 'the server closes a connection whose body stopped');
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(errorLogs()).toEqual([]);
  });

  it('a body trickled a byte at a time is cut off all the same: the time is for the whole request', async () => {
    const c = await connect();
    c.socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"query":"');
    // A byte every 20 ms: the connection is never idle, yet the request never ends.
    const trickle = setInterval(() => { if (!c.isClosed()) c.socket.write('a'); }, 20);
    try {
      await within(c.closed, 8_000, 'the server closes a connection whose body trickles');
    } finally {
      clearInterval(trickle);
    }
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(errorLogs()).toEqual([]);
  });

  it('a client that hangs up mid-body is not logged as a server error either', async () => {
    const c = await connect();
    c.socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":');
    // Once the server has answered a later request on another connection, it has seen this one's body start.
    expect((await exchange(t.server.port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')).status).toBe(200);
    c.socket.destroy();
    await c.closed;
    expect((await exchange(t.server.port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')).status).toBe(200);
    expect(errorLogs()).toEqual([]);
  });

  it('a WebSocket is not an HTTP request: it stays open while requests opened after it are cut off', async () => {
    const ws = await openRaw(t.wsUrl, ADMIN_TOKEN);
    expect(ws.messages[0]?.type).toBe('connection_ack');
    const stalled = await connect();
    stalled.socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    await within(stalled.closed, 8_000, 'the server cuts off a stalled body opened after the WebSocket');
    expect(stalled.received()).toMatch(/^HTTP\/1\.1 408 /);
    ws.socket.send(JSON.stringify({ type: 'ping' }));
    await ws.waitFor((m) => m.type === 'pong', 'a pong on the older WebSocket');
    ws.socket.close(1000);
  });

  it('a request sent in time is answered, and idle keep-alive connections are kept for HTTP_KEEP_ALIVE_TIMEOUT_MS (advertised)', async () => {
    const c = await connect();
    const res = await c.request('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect([res.status, res.body]).toEqual([200, HEALTHY]);
    expect(res.head).toMatch(/\r\nKeep-Alive: timeout=7(\r\n|$)/i);
    const big = JSON.stringify({ query: `{ __typename ${' '.repeat(100_000)}}` });
    const post = await c.request(`POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`);
    expect(post.status).toBe(200);
  });
});

describe('connections per address (MAX_CONNECTIONS_PER_ADDRESS)', () => {
  const MAX = 3;
  let t: HardenedServer;
  const held: TcpConnection[] = [];
  beforeAll(async () => {
    t = await startHardenedServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: String(MAX) } });
  });
  afterAll(async () => {
    for (const c of held) c.socket.destroy();
    await t.close();
  });
  const healthz = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n';
  /** A keep-alive connection from `localAddress` that has been answered once (so the server has counted it). */
  async function hold(localAddress: string): Promise<TcpConnection> {
    const c = await openTcp(t.server.port, { localAddress });
    held.push(c);
    expect((await c.request(healthz)).status).toBe(200);
    return c;
  }
  const refusals = () => t.logs.filter((l) => l.msg === 'refused a connection: the address holds MAX_CONNECTIONS_PER_ADDRESS already');

  it('the connection over the cap is closed at once, unread; the address\'s others and other addresses are served; a closed one frees its place', async () => {
    const mine = [await hold('127.0.0.2'), await hold('127.0.0.2'), await hold('127.0.0.2')];
    for (let i = 0; i < 2; i++) {
      const extra = await openTcp(t.server.port, { localAddress: '127.0.0.2' });
      held.push(extra);
      await within(extra.closed, 5_000, 'the server closes a connection over the cap');
      expect(extra.received()).toBe('');
    }
    for (const c of mine) expect((await c.request(healthz)).status).toBe(200);
    expect((await hold('127.0.0.3')).isClosed()).toBe(false);
    // Logged once for the first refusal, once for the second (then the 4th, 8th, ...).
    expect(refusals().map((l) => [l.address, l.max, l.refused])).toEqual([['127.0.0.2', MAX, 1], ['127.0.0.2', MAX, 2]]);

    mine[0]?.socket.destroy();
    // The server counts the place free once it has seen the close; try until it has.
    const next = await eventually(async () => {
      const attempt = await openTcp(t.server.port, { localAddress: '127.0.0.2' });
      held.push(attempt);
      return (await attempt.request(healthz).catch(() => null))?.status === 200 ? attempt : undefined;
    }, 'a new connection after one closed');
    expect(next.isClosed()).toBe(false);
  });

  it('WebSockets count against the cap like any connection, and keep working', async () => {
    // From 127.0.0.1 (the ws client's address): nothing else in this file connects from it to this server.
    const sockets = [await openRaw(t.wsUrl, ADMIN_TOKEN), await openRaw(t.wsUrl, ADMIN_TOKEN), await openRaw(t.wsUrl, ADMIN_TOKEN)];
    for (const s of sockets) expect(s.messages[0]?.type).toBe('connection_ack');
    await expect(within(openRaw(t.wsUrl, ADMIN_TOKEN), 5_000, 'a fourth WebSocket is refused')).rejects.toThrow(/socket hang up|ECONNRESET/);
    const plain = await openTcp(t.server.port);
    held.push(plain);
    await within(plain.closed, 5_000, 'the server closes a plain connection over the cap');
    for (const s of sockets) {
      s.socket.send(JSON.stringify({ type: 'ping' }));
      await s.waitFor((m) => m.type === 'pong', 'a pong');
      s.socket.close(1000);
    }
  });
});
