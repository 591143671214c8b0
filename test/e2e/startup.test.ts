// The real entry point as an operator runs it: `node --import tsx/esm src/main.ts` in a child process,
// configured only through its environment. Covers what in-process tests cannot: the exit code of a
// bad configuration, the first-admin token on stdout, SIGTERM, and what ends up in the log.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_OPTIONS, TS_LOADER } from '../../src/server/node-options.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_COST } from '../../src/graphql/query-cost.js';
import { freePort } from '../support/child-server.js';
import { databaseUrlFor, TEST_STORE } from '../support/test-database.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The whole answer to `{ me { role } }` as an admin: the data, and what the query cost (2 fields). */
const ADMIN_ME = { data: { me: { role: 'ADMIN' } }, extensions: { cost: { actual: 2, limit: MAX_QUERY_COST } } };
const TOKEN_PATTERN = /lr_[A-Za-z0-9_-]{20,}/g;
const BOOTSTRAP_TOKEN = 'startup-test-bootstrap-token-42';

type Child = ChildProcessByStdio<null, Readable, Readable>;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface ServerProcess {
  child: Child;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
}

const children: Child[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadrace-startup-'));
  dirs.push(dir);
  return dir;
}

/**
 * Spawns the entry point with only PATH, HOME and `env`: in particular not vitest's NODE_ENV=test,
 * which changes Apollo's behaviour and would hide what `npm start` does.
 */
function spawnMain(env: Record<string, string>): { child: Child; stdout(): string; stderr(): string; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, ...TS_LOADER, 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  // 'close', not 'exit': it comes after stdout and stderr have ended, so the captured text is whole.
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Resolves once the child's stdout satisfies `ready`; rejects with its stderr if it exits first.
 * Output arrives on a pipe, independently of HTTP responses, so a log line may land after the reply.
 */
function waitForStdout(proc: ReturnType<typeof spawnMain>, ready: (stdout: string) => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!ready(proc.stdout())) return;
      proc.child.stdout.off('data', check);
      resolve();
    };
    proc.child.stdout.on('data', check);
    check();
    void proc.exited.then((exit) => reject(new Error(`server exited (${JSON.stringify(exit)}):\n${proc.stderr()}`)));
  });
}

/** Starts the server and resolves once it says it is up. */
async function startMain(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawnMain({ PORT: String(port), ...env });
  await waitForStdout(proc, (stdout) => stdout.includes('leadrace is up'));
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

interface GraphQLReply {
  status: number;
  requestId: string | null;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function graphql(url: string, query: string, opts: { token?: string; variables?: Record<string, unknown>; operationName?: string } = {}): Promise<GraphQLReply> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    body: JSON.stringify({ query, variables: opts.variables, operationName: opts.operationName }),
  });
  return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as GraphQLReply['body'] };
}

/** stdout's JSON lines (pino); the banner and the "is up" line are plain text and skipped. */
function logLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

// The three independent processes start together: each spends most of its start-up compiling
// TypeScript, and the suite should stay quick.
const badDir = tempDir();
const freshDir = tempDir();
/** On SQLite a `file:` URL, the form an operator may write; with TEST_STORE=postgres a database of its own. */
let freshDbUrl: string;
let badConfig: ReturnType<typeof spawnMain>;
let first: ServerProcess;
let boot: ServerProcess;

beforeAll(async () => {
  badConfig = spawnMain({ PORT: 'abc', DATABASE_URL: join(badDir, 'never', 'leadrace.db') });
  const freshDb = join(freshDir, 'fresh.db');
  freshDbUrl = TEST_STORE === 'sqlite' ? `file://${freshDb}` : await databaseUrlFor(freshDb);
  const bootDbUrl = await databaseUrlFor(join(tempDir(), 'boot.db'));
  [first, boot] = await Promise.all([
    // debug, not info: a secret that leaks only into debug lines should fail this file too.
    startMain({ DATABASE_URL: freshDbUrl, PLAYGROUND: 'false', LOG_LEVEL: 'debug' }),
    startMain({ DATABASE_URL: bootDbUrl, BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN }),
  ]);
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a bad configuration', () => {
  it('exits with code 2, names the variable on stderr, and creates no database file', async () => {
    expect(await badConfig.exited).toEqual({ code: 2, signal: null });
    expect(badConfig.stderr()).toMatch(/PORT/);
    expect(badConfig.stderr()).toContain('"abc"');
    expect(existsSync(join(badDir, 'never'))).toBe(false);
  });
});

describe('a fresh database without BOOTSTRAP_ADMIN_TOKEN, then a second start on it', () => {
  let firstToken: string;

  beforeAll(() => {
    const printed = first.stdout().match(TOKEN_PATTERN) ?? [];
    expect(printed).toHaveLength(1);
    firstToken = printed[0] ?? '';
  });

  it('prints one generated token, and it is an admin token', async () => {
    const reply = await graphql(first.url, '{ me { role } }', { token: firstToken });
    expect(reply.body).toEqual(ADMIN_ME);
  });

  it('logs one line per GraphQL request with reqId, op, userId and ms, and never a token or password', async () => {
    const password = 'pw-startup-correct-horse-7731';
    const created = await graphql(first.url,
      'mutation AddAgent($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { token: firstToken, operationName: 'AddAgent', variables: { input: { name: 'Log Agent', email: 'log.agent@example.com', role: 'AGENT', password } } });
    const agentId = String((created.body.data?.createUser as { id: string }).id);
    const issued = await graphql(first.url,
      'mutation Issue($userId: ID!) { issueApiToken(userId: $userId) { token } }',
      { token: firstToken, operationName: 'Issue', variables: { userId: agentId } });
    const agentToken = (issued.body.data?.issueApiToken as { token: string }).token;
    // No operationName field in the body: the log must still name the operation from the document.
    const signIn = await graphql(first.url,
      'mutation SignIn($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
      { variables: { email: 'log.agent@example.com', password } });
    const sessionToken = (signIn.body.data?.login as { token: string }).token;
    const wrong = await graphql(first.url,
      'mutation SignIn($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
      { variables: { email: 'log.agent@example.com', password: `${password}-wrong` } });
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const whoAmI = await graphql(first.url, 'query WhoAmI { me { id } }', { token: agentToken, operationName: 'WhoAmI' });
    expect(whoAmI.body.data).toEqual({ me: { id: agentId } });

    const expected = [
      [created, 'AddAgent', 1], [issued, 'Issue', 1], [signIn, 'SignIn', null], [wrong, 'SignIn', null], [whoAmI, 'WhoAmI', Number(agentId)],
    ] as const;
    await waitForStdout(first, (stdout) => expected.every(([reply]) => reply.requestId !== null && stdout.includes(reply.requestId)));
    const requests = logLines(first.stdout()).filter((line) => line.msg === 'graphql request');
    for (const [reply, op, userId] of expected) {
      const lines = requests.filter((line) => line.reqId === reply.requestId);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ op, userId });
      expect(lines[0]?.ms).toEqual(expect.any(Number));
    }

    const output = first.stdout() + first.stderr();
    for (const secret of [password, agentToken, sessionToken]) expect(output).not.toContain(secret);
    // The first admin's token is printed once, in the banner, and in no log line.
    expect(output.split(firstToken)).toHaveLength(2);
    expect(logLines(first.stdout()).filter((line) => JSON.stringify(line).includes(firstToken))).toEqual([]);
  });

  it('with PLAYGROUND=false, GET /graphql for a browser gets a 400 JSON error, not the landing page', async () => {
    const res = await fetch(`${first.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(text).not.toMatch(/<html/i);
    expect((JSON.parse(text) as GraphQLReply['body']).errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('answers /healthz, then SIGTERM stops it with exit code 0 within 10 s', async () => {
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    const sent = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - sent).toBeLessThan(10_000);
    // close() ran to its end (database closed), rather than the process dying half-way.
    expect(logLines(first.stdout()).map((line) => line.msg)).toContain('leadrace stopped');
  });

  it('a second start on the same database prints no token; the first one still works; the playground is on by default', async () => {
    const second = await startMain({ DATABASE_URL: freshDbUrl });
    expect(second.stdout()).not.toMatch(TOKEN_PATTERN);
    expect((await graphql(second.url, '{ me { role } }', { token: firstToken })).body).toEqual(ADMIN_ME);
    // The PLAYGROUND=false assertion above means something only if the default serves the page.
    const page = await fetch(`${second.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<!DOCTYPE html>/i);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});

describe('BOOTSTRAP_ADMIN_TOKEN', () => {
  it("makes that token an admin's, and no other token is printed", async () => {
    expect(boot.stdout()).not.toMatch(TOKEN_PATTERN);
    expect(boot.stdout()).not.toContain(BOOTSTRAP_TOKEN);
    expect((await graphql(boot.url, '{ me { role } }', { token: BOOTSTRAP_TOKEN })).body).toEqual(ADMIN_ME);
    boot.child.kill('SIGTERM');
    expect((await boot.exited).code).toBe(0);
  });
});
