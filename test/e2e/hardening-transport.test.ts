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
import { openRaw, startHardenedServer, type HardenedServer, type RawClient } from '../support/hardening.js';
import { exchange } from '../support/raw-http.js';
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
    expect([health.status, health.body]).toEqual([200, '{"status":"ok"}']);
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
    expect([absolute.status, absolute.body]).toEqual([200, '{"status":"ok"}']);
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
