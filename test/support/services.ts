// The external services some tests need (PostgreSQL, Redis). On a machine without them those tests
// skip, each file printing one line that says how to run them; in CI (CI=true, set by .ci/run, which
// starts both) a missing service fails the run instead of skipping it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

async function need(what: string, url: string, port: number, how: string): Promise<boolean> {
  if (await reachable(url, port)) return true;
  if (process.env.CI) throw new Error(`${what} is not reachable at ${url}, and CI must run these tests (.ci/run starts it)`);
  console.log(`${what} tests skipped: nothing listens at ${url}; ${how}`);
  return false;
}

/** Whether PostgreSQL is there; false (after one line on stdout) when these tests should skip. */
export const havePostgres = (): Promise<boolean> =>
  need('PostgreSQL', POSTGRES_URL, 5432, 'start PostgreSQL 15 (trust auth for user postgres) or set TEST_POSTGRES_URL, then npm test');

/** Whether Redis is there; false (after one line on stdout) when these tests should skip. */
export const haveRedis = (): Promise<boolean> =>
  need('Redis', REDIS_URL, 6379, 'start Redis 7 or set TEST_REDIS_URL, then npm test');

/** The name every test database of this run starts with (one run's, so concurrent runs keep theirs). */
export function testDatabasePrefix(): string {
  return `leadrace_test_${process.env.LEADRACE_TEST_RUN ?? 'x'}_`;
}

/** A fresh, empty database of its own for one test file; drop() removes it. */
export async function createTempDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  // The run's prefix (test/support/databases-setup.ts) lets the run's end drop what a test left behind.
  const name = `${testDatabasePrefix()}${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A redis-server of a test's own on a free port (so it can be stopped and restarted mid-test). */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Whether the redis-server program is on this machine; false (after one line) when those tests should skip. */
export function haveRedisServer(): boolean {
  const found = spawnSync('redis-server', ['--version']).status === 0;
  if (found) return true;
  if (process.env.CI) throw new Error('redis-server is not installed, and CI must run these tests (.ci/run installs it)');
  console.log('Redis restart tests skipped: no redis-server program; install Redis 7 (apt-get install -y redis-server), then npm test');
  return false;
}

export async function startPrivateRedis(port: number): Promise<PrivateRedis> {
  let child: ChildProcess | null = null;
  const url = `redis://127.0.0.1:${port}`;
  const redis: PrivateRedis = {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !(await reachable(url, port)); i++) await new Promise((r) => setTimeout(r, 50));
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}
