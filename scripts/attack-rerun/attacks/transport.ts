// Attacks on the transport, over raw TCP (fetch and http.request refuse or rewrite a malformed
// request target, so the bytes go out exactly as written here):
// - issue 12 point 1: request lines whose target is not a URL, plain and as WebSocket upgrades;
// - point 8: a body that trickles in (cut off by HTTP_REQUEST_TIMEOUT_MS), and one connection more
//   than MAX_CONNECTIONS_PER_ADDRESS from one address.
import { performance } from 'node:perf_hooks';
import { openTcp, type TcpConnection } from '../../../test/support/raw-http.js';
import type { AttackContext } from '../context.js';
import type { AttackResult } from '../report.js';

/** How long a raw exchange may take before it counts as "no answer". */
const RAW_TIMEOUT_MS = 5000;

interface RawOutcome {
  /** The response's status, or null when the connection closed (or timed out) without one. */
  status: number | null;
  ms: number;
  /** The connection was closed by the server by the end. */
  closed: boolean;
}

/**
 * Writes `text` on a new connection and waits for a whole response or the connection's end. Never
 * throws: a refused connection (a server already gone) is an outcome like any other.
 */
async function rawExchange(port: number, text: string): Promise<RawOutcome> {
  const started = performance.now();
  let connection: TcpConnection;
  try {
    connection = await openTcp(port);
  } catch {
    return { status: null, ms: performance.now() - started, closed: true };
  }
  try {
    const status = await Promise.race([
      connection.request(text).then((r) => r.status, () => null),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), RAW_TIMEOUT_MS)),
    ]);
    return { status, ms: performance.now() - started, closed: connection.isClosed() };
  } finally {
    connection.socket.destroy();
  }
}

const WS_UPGRADE_HEADERS = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
  + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n';

/** Point 1: `GET http://x:99999/`, `GET //[`, `GET http://[xyz]/graphql`, each plain and as a WebSocket upgrade. */
export async function malformedTargets(ctx: AttackContext): Promise<AttackResult[]> {
  const results: AttackResult[] = [];
  for (const target of ['http://x:99999/', '//[', 'http://[xyz]/graphql']) {
    for (const upgrade of [false, true]) {
      const line = `GET ${target} HTTP/1.1`;
      const request = `${line}\r\nHost: 127.0.0.1\r\n${upgrade ? WS_UPGRADE_HEADERS : ''}\r\n`;
      const { value, health } = await ctx.target.during(() => rawExchange(ctx.target.port, request));
      results.push({
        point: '1',
        name: `\`${line}\`${upgrade ? ' as a WebSocket upgrade' : ''}`,
        sent: `raw socket: ${JSON.stringify(request)}`,
        got: value.status === null ? `no response (connection ${value.closed ? 'closed' : 'still open'}) after ${Math.round(value.ms)} ms`
          : `${value.status} in ${Math.round(value.ms)} ms`,
        expected: '400, and the server stays up',
        held: value.status === 400,
        health,
      });
    }
  }
  return results;
}

/**
 * Point 8: a POST whose body trickles in a byte every 500 ms. The server runs with a short
 * HTTP_REQUEST_TIMEOUT_MS (`timeoutMs`); it must answer 408 and close within it (plus Node's
 * checking interval, a quarter of the headers timeout).
 */
export async function slowBody(ctx: AttackContext, timeoutMs: number): Promise<AttackResult> {
  const { value, health } = await ctx.target.during(async () => {
    const started = performance.now();
    const connection = await openTcp(ctx.target.port);
    const head = 'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const answer = connection.request(head).then((r) => r.status, () => null);
    let sent = 0;
    const drip = setInterval(() => {
      if (!connection.isClosed()) { connection.socket.write(' '); sent += 1; }
    }, 500);
    // Long enough for Node's default (300 s) to show as "no answer" well before it.
    const limit = timeoutMs * 3 + 5000;
    const status = await Promise.race([answer, new Promise<null>((resolve) => setTimeout(() => resolve(null), limit))]);
    await Promise.race([connection.closed, new Promise((r) => setTimeout(r, 1000))]);
    clearInterval(drip);
    const ms = performance.now() - started;
    const closed = connection.isClosed();
    connection.socket.destroy();
    return { status, ms, closed, sent };
  });
  const budget = timeoutMs * 1.25 + 500;
  return {
    point: '8',
    name: `slow body (a byte every 500 ms; HTTP_REQUEST_TIMEOUT_MS=${timeoutMs})`,
    sent: 'POST /graphql with Content-Length: 1000, then one byte every 500 ms',
    got: `${value.status ?? 'no answer'} after ${Math.round(value.ms)} ms (${value.sent} body bytes sent), connection ${value.closed ? 'closed' : 'left open'}`,
    expected: `408 and the connection closed within the request timeout (≤ ${Math.round(budget)} ms with Node's checking interval)`,
    held: value.status === 408 && value.closed && value.ms <= budget,
    health,
  };
}

/**
 * Point 8: one address opens `cap` connections (sending nothing), then one more. The extra one must
 * be closed before anything of it is read, while another address (127.0.0.2) is still served.
 */
export async function connectionCap(ctx: AttackContext, cap: number): Promise<AttackResult> {
  const held: TcpConnection[] = [];
  const { value, health } = await ctx.target.during(async () => {
    try {
      for (let i = 0; i < cap; i++) held.push(await openTcp(ctx.target.port));
      // Let the server see them all (and close any it refuses) before the extra one.
      await new Promise((r) => setTimeout(r, 200));
      const extra = await rawExchange(ctx.target.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const stillOpen = held.filter((c) => !c.isClosed()).length;
      const otherAddress = await ctx.target.probe('127.0.0.2');
      return { extra, stillOpen, otherAddress };
    } finally {
      for (const c of held) c.socket.destroy();
    }
  }, { localAddress: '127.0.0.2' });
  const { extra, stillOpen, otherAddress } = value;
  return {
    point: '8',
    name: `connection cap (${cap} + 1 connections from one address)`,
    sent: `${cap} idle TCP connections from 127.0.0.1, then GET /healthz on one more`,
    got: `${stillOpen}/${cap} held open; the extra one: ${extra.status === null ? 'closed without an answer' : `answered ${extra.status}`}; `
      + `127.0.0.2 meanwhile: ${otherAddress.ok ? `200 in ${Math.round(otherAddress.ms)} ms` : 'no answer'}`,
    expected: `the ${cap + 1}th connection closed unanswered, the first ${cap} kept, other addresses served`,
    held: extra.status === null && extra.closed && stillOpen === cap && otherAddress.ok,
    health,
  };
}
