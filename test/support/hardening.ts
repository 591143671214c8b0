// For the hardening tests: a server whose log lines are captured and whose WebSocket limits can be
// shortened (on a fresh SQLite file, or with TEST_STORE=postgres a PostgreSQL database of its own:
// test-database.ts), and a raw graphql-transport-ws client that shows exact close codes and can stop
// reading.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src/server/app.js';
import { loadConfig, type Config } from '../../src/server/config.js';
import type { WsLimits } from '../../src/server/ws-limits.js';
import type { Clock } from '../../src/time/clock.js';
import { ADMIN_TOKEN, sdkFor, type Sdk } from './server.js';
import { databaseUrlFor } from './test-database.js';

export interface HardenedServer {
  server: RunningServer;
  config: Config;
  url: string;
  wsUrl: string;
  dir: string;
  admin: Sdk;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startHardenedServer(opts: { env?: Record<string, string>; clock?: Clock; wsLimits?: Partial<WsLimits> } = {}): Promise<HardenedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'leadrace-hardening-'));
  const config = loadConfig({
    PORT: '0', BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN, ...opts.env,
    DATABASE_URL: await databaseUrlFor(opts.env?.DATABASE_URL ?? join(dir, 'test.db')),
  });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } });
  const server = await startServer({ config, clock: opts.clock, logger, wsLimits: opts.wsLimits });
  return {
    server, config, dir, logs,
    url: server.url,
    wsUrl: `${server.url.replace('http', 'ws')}/graphql`,
    admin: sdkFor(server.url, ADMIN_TOKEN),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `check` returns a value other than undefined/false (polled on each tick; a test timeout catches a miss). */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface ServerMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface RawClient {
  socket: WebSocket;
  messages: ServerMessage[];
  /** Resolves with the close code and reason the client saw. */
  closed: Promise<{ code: number; reason: string }>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** Waits for a message matching `match` (messages already received count). */
  waitFor(match: (m: ServerMessage) => boolean, what: string): Promise<ServerMessage>;
}

/** Opens a graphql-transport-ws socket and sends connection_init; resolves once acknowledged or closed. */
export async function openRaw(wsUrl: string, token: string, options: { autoPong?: boolean } = {}): Promise<RawClient> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { autoPong: options.autoPong ?? true });
  const messages: ServerMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  socket.on('message', (data) => { messages.push(JSON.parse(String(data)) as ServerMessage); });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      resolve();
    });
    socket.once('error', reject);
  });
  const client: RawClient = {
    socket, messages, closed,
    subscribe(id, query, variables = {}) {
      socket.send(JSON.stringify({ type: 'subscribe', id, payload: { query, variables } }));
    },
    async waitFor(match, what) {
      let closedWith: { code: number } | null = null;
      void closed.then((c) => { closedWith = c; });
      return eventually(() => {
        const found = messages.find(match);
        if (found) return found;
        if (closedWith) throw new Error(`socket closed (${closedWith.code}) while waiting for ${what}`);
        return undefined;
      }, what);
    },
  };
  await Promise.race([client.waitFor((m) => m.type === 'connection_ack', 'connection_ack'), closed]);
  return client;
}
