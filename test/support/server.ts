// Starts the real server in this process on a free port with a fresh database (a SQLite file, or with
// TEST_STORE=postgres a PostgreSQL database: test-database.ts), and gives tests
// typed SDK clients and graphql-ws clients that speak to it over real HTTP and WebSockets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../../src/server/config.js';
import type { EventBus } from '../../src/events/event-bus.js';
import { startServer, type RunningServer } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { getSdk } from '../../src/sdk/generated.js';
import { databaseUrlFor } from './test-database.js';
import type { Clock } from '../../src/time/clock.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export type Sdk = ReturnType<typeof getSdk>;

export interface TestServer {
  server: RunningServer;
  url: string;
  wsUrl: string;
  dir: string;
  config: Config;
  admin: Sdk;
  sdk(token?: string | null): Sdk;
  ws(token?: string | null): Client;
  close(): Promise<void>;
}

export function sdkFor(url: string, token?: string | null): Sdk {
  return getSdk(new GraphQLClient(`${url}/graphql`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }));
}

export function wsClientFor(wsUrl: string, token?: string | null): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

export async function startTestServer(opts: { clock?: Clock; env?: Record<string, string>; dir?: string; bus?: EventBus } = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'leadrace-test-'));
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: await databaseUrlFor(opts.env?.DATABASE_URL ?? join(dir, 'test.db')),
    BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
    ...(opts.env?.DATABASE_URL ? { DATABASE_URL: await databaseUrlFor(opts.env.DATABASE_URL) } : {}),
  });
  const server = await startServer({ config, clock: opts.clock, logger: createLogger(config.logLevel), bus: opts.bus });
  const url = server.url;
  const wsUrl = `${url.replace('http', 'ws')}/graphql`;
  const clients: Client[] = [];
  return {
    server,
    url,
    wsUrl,
    dir,
    config,
    admin: sdkFor(url, ADMIN_TOKEN),
    sdk: (token) => sdkFor(url, token),
    ws: (token) => {
      const c = wsClientFor(wsUrl, token);
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await server.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The GraphQL error code of a rejected SDK call (graphql-request throws ClientError). */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { response?: { errors?: { extensions?: { code?: string } }[] } };
    const code = e.response?.errors?.[0]?.extensions?.code;
    if (code) return code;
    throw err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The first error (message, code, field) of a rejected SDK call. */
export async function graphqlError(p: Promise<unknown>): Promise<{ message: string; code?: string; field?: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { response?: { errors?: { message: string; extensions?: { code?: string; field?: string } }[] } };
    const first = e.response?.errors?.[0];
    if (first) return { message: first.message, code: first.extensions?.code, field: first.extensions?.field };
    throw err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
