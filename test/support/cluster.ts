// Several real server processes (`node --import tsx/esm src/main.ts`, child-server.ts) serving as one: the
// same fresh PostgreSQL database and one Redis of the test's own (a private redis-server on a free
// port, so that a test can stop and restart it). Each instance gets DATABASE_URL, REDIS_URL, PORT and
// BOOTSTRAP_ADMIN_TOKEN, and tests speak to each through the typed SDK and graphql-ws, as to one
// server; the test's own pool reads the database for assertions in SQL.
//
// Like the other tests that need services: on a machine without PostgreSQL or redis-server the
// tests skip with one line saying how to run them; in CI (CI=true) a missing service fails the run.
import type { ChildProcess } from 'node:child_process';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort, kill9, startChild } from './child-server.js';
import { ADMIN_TOKEN, sdkFor, wsClientFor, type Sdk } from './server.js';
import { createTempDatabase, havePostgres, haveRedisServer, startPrivateRedis, type PrivateRedis } from './services.js';

/** Log lines kept per instance (the tail is printed when a test fails). */
const LOG_TAIL = 300;

/** Whether PostgreSQL and redis-server are there; false (after one line) when the tests should skip. */
export async function clusterAvailable(): Promise<boolean> {
  // One line at most: the first missing service is the one named.
  return (await havePostgres()) && haveRedisServer();
}

/** One server process of the cluster. */
export interface Instance {
  /** 'A', 'B', 'C', in start order. */
  readonly name: string;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** ws://127.0.0.1:<port>/graphql */
  readonly wsUrl: string;
  /** The bootstrap admin, through this instance. */
  readonly admin: Sdk;
  sdk(token: string): Sdk;
  /** A graphql-ws client on this instance (lazy, no retries), disposed when the cluster closes. */
  ws(token: string): Client;
  /** Whether the process is running (not killed, not exited). */
  running(): boolean;
  /** SIGKILL: no shutdown code runs, as in a crash. */
  kill9(): Promise<void>;
  /** Starts the process again on the same port; resolves once /healthz answers. */
  restart(): Promise<void>;
  /** The last log lines (stdout and stderr) of every run of this instance. */
  logs(): string;
  /** Every log line of every run of this instance that matches `pattern`. */
  logLines(pattern: RegExp): string[];
}

export interface Cluster {
  readonly instances: readonly Instance[];
  /** The instances' DATABASE_URL. */
  readonly databaseUrl: string;
  /** The instances' Redis (stop() and start() it to take it away and bring it back). */
  readonly redis: PrivateRedis;
  /** Rows of one SQL statement on the instances' database, on the test's own pool. */
  query<R extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
  /** Every instance's log tail, for a failed test's output. */
  logs(): string;
  /**
   * How many Redis connections are subscribed to `channel` (PUBSUB NUMSUB): an instance subscribes
   * when a local subscription opens it, so a test can wait until another instance's events reach it.
   */
  redisSubscribers(channel: string): Promise<number>;
  /** Kills every instance and drops the database and the Redis. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** How many instances (2 or 3); all are started at the same moment on the empty database. */
  instances?: number;
  /** More environment for every instance (SMS_API_URL, ...). */
  env?: Record<string, string>;
}

/** Starts the instances together on a fresh database and a private Redis; resolves once all answer /healthz. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.instances ?? 2;
  const database = await createTempDatabase();
  const redis = await startPrivateRedis(await freePort());
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  // close() drops the database as soon as pool.end() resolves, which is before its clients have finished
  // disconnecting: the dropped database's "terminating connection" (57P01) can then reach an idle client,
  // and a pool without an error listener throws that as an uncaught exception (seen once in CI). Errors of
  // queries still reject their queries.
  pool.on('error', () => {});
  const env = { ...options.env, DATABASE_URL: database.url, REDIS_URL: redis.url };
  const clients: Client[] = [];

  async function makeInstance(index: number): Promise<Instance> {
    const name = String.fromCharCode(65 + index);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Every line (LOG_LEVEL=warn: a test writes few), searched by logLines; the tail is printed.
    const lines: string[] = [];
    const keep = (stream: string) => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(`${name} ${stream}: ${line}`);
    };
    let child: ChildProcess | null = null;
    const spawn = async () => {
      // Read stdout as it comes: a pipe nobody reads fills up and blocks the server's log writes.
      child = await startChild(database.url, port, env);
      child.stdout?.on('data', keep('out'));
      child.stderr?.on('data', keep('err'));
      child.once('exit', (code, signal) => lines.push(`${name}: exited (${signal ?? code})`));
    };
    const instance: Instance = {
      name,
      port,
      url,
      wsUrl: `ws://127.0.0.1:${port}/graphql`,
      admin: sdkFor(url, ADMIN_TOKEN),
      sdk: (token) => sdkFor(url, token),
      ws(token) {
        const client = wsClientFor(instance.wsUrl, token);
        clients.push(client);
        return client;
      },
      running: () => child !== null && child.exitCode === null && child.signalCode === null,
      async kill9() {
        if (child) await kill9(child);
      },
      async restart() {
        if (instance.running()) throw new Error(`instance ${name} is still running`);
        await spawn();
      },
      logs: () => lines.slice(-LOG_TAIL).join('\n'),
      logLines: (pattern) => lines.filter((l) => pattern.test(l)),
    };
    await spawn();
    return instance;
  }

  let instances: Instance[];
  try {
    instances = await Promise.all(Array.from({ length: count }, (_, i) => makeInstance(i)));
  } catch (err) {
    await pool.end();
    await redis.stop();
    await database.drop();
    throw err;
  }

  return {
    instances,
    databaseUrl: database.url,
    redis,
    async query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []) {
      return (await pool.query<R>(text, params)).rows;
    },
    logs: () => instances.map((i) => i.logs()).filter(Boolean).join('\n'),
    async redisSubscribers(channel) {
      const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
      client.on('error', () => {});
      try {
        await client.connect();
        const reply = await client.pubsub('NUMSUB', channel) as unknown[];
        return Number(reply[1] ?? 0);
      } finally {
        client.disconnect();
      }
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await Promise.all(instances.map((i) => i.kill9()));
      await pool.end();
      await redis.stop();
      await database.drop();
    },
  };
}

/** An agent made through the API, with a token, who can act on any instance. */
export interface ClusterAgent {
  id: string;
  token: string;
  phone: string | null;
  /** This agent's SDK on `instance`. */
  on(instance: Instance): Sdk;
}

let agentSeq = 0;

/** Makes `n` agents in `officeIds` through `via`'s admin; `phones`: each gets a distinct phone. */
export async function createClusterAgents(via: Instance, n: number, opts: { officeIds: string[]; phones?: boolean }): Promise<ClusterAgent[]> {
  const agents: ClusterAgent[] = [];
  for (let i = 0; i < n; i++) {
    agentSeq += 1;
    const tag = `${agentSeq}-${Math.random().toString(36).slice(2, 8)}`;
    const phone = opts.phones ? `+1737555${String(1000 + (agentSeq % 9000)).slice(-4)}` : null;
    const { createUser } = await via.admin.CreateUser({
      input: { name: `Cluster Agent ${tag}`, email: `cluster${tag}@example.com`, phone, role: 'AGENT', officeIds: opts.officeIds },
    });
    const { issueApiToken } = await via.admin.IssueApiToken({ userId: createUser.id });
    const token = issueApiToken.token;
    agents.push({ id: createUser.id, token, phone, on: (instance) => instance.sdk(token) });
  }
  return agents;
}
