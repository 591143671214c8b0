// What the WebSocket heartbeat holds the event loop for, per visit, with many agents connected: the
// server's schedule (createHeartbeat: one group of sockets every 100 ms, so a 30 s interval has 300
// groups) against the one before it (16 groups, one every 1.875 s), in the same run. A real ws
// server in this process, N real ws clients in a child process that answer pings as browsers do; each
// visit pings one group (`ws.ping()` on each socket, a write each) and is timed, and the event loop's
// delay is sampled meanwhile (monitorEventLoopDelay, 1 ms resolution).
// Run: npx tsx scripts/bench/heartbeat.ts [--sockets=10000] [--visits=20]
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { heartbeatGroups } from '../../src/server/graphql-ws-adapter.js';
import { Args } from './lib/args.js';
import { round, sleep, summary } from './lib/stats.js';

const args = new Args(process.argv.slice(2));
const SOCKETS = args.num('sockets', 10_000);
const VISITS = args.num('visits', 20);
/** The server's ping interval (ws-limits.ts, keepAliveMs). */
const INTERVAL_MS = 30_000;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address();
if (address === null || typeof address === 'string') throw new Error('the ws server has no port');
const sockets: WebSocket[] = [];
const connected = new Promise<void>((resolve) => {
  server.on('connection', (socket) => {
    sockets.push(socket);
    if (sockets.length === SOCKETS) resolve();
  });
});
// The clients: another process, as agents' browsers are; ws answers each ping with a pong by itself.
const client = spawn(process.execPath, ['--input-type=module', '-e', `
  import WebSocket from 'ws';
  for (let i = 0; i < ${SOCKETS}; i++) {
    new WebSocket('ws://127.0.0.1:${address.port}').on('error', (e) => { console.error(e.message); process.exit(1); });
    if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20));
  }
  setInterval(() => {}, 1000);
`], { stdio: ['ignore', 'inherit', 'inherit'] });
try {
  await connected;
  await sleep(1000);

  async function visits(groups: number): Promise<{ perVisit: number; visitMs: ReturnType<typeof summary>; loopDelayMaxMs: number; loopDelayP99Ms: number }> {
    const per = Math.ceil(SOCKETS / groups);
    const times: number[] = [];
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    for (let v = 0; v < VISITS; v++) {
      const from = (v * per) % SOCKETS;
      const group = sockets.slice(from, from + per);
      const t = performance.now();
      for (const socket of group) socket.ping();
      times.push(performance.now() - t);
      // The pongs come back before the next visit.
      await sleep(200);
    }
    delay.disable();
    return { perVisit: per, visitMs: summary(times), loopDelayMaxMs: round(delay.max / 1e6, 1), loopDelayP99Ms: round(delay.percentile(99) / 1e6, 1) };
  }
  const before = await visits(16);
  const now = await visits(heartbeatGroups(INTERVAL_MS));
  console.log(`heartbeat with ${SOCKETS} sockets, one ping each per ${INTERVAL_MS / 1000} s, ${VISITS} visits each:`);
  for (const [label, r] of [['16 groups, one every 1.875 s (before)', before], ['a group every 100 ms (now)', now]] as const) {
    console.log(`  ${label}: ${r.perVisit} pings a visit; a visit holds the loop p50 ${round(r.visitMs.p50, 2)} ms, max ${round(r.visitMs.max, 2)} ms; event-loop delay p99 ${r.loopDelayP99Ms} ms, max ${r.loopDelayMaxMs} ms`);
  }
} finally {
  client.kill();
  for (const socket of sockets) socket.terminate();
  server.close();
}
