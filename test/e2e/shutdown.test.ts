// Graceful shutdown of the real entry point (`node --import tsx/esm src/main.ts`) on SIGTERM: live
// WebSockets are closed with 1001 (going away), a request already in flight is answered, the
// process exits 0 within 10 s, and what was acknowledged before the signal is there after restart.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_OPTIONS, TS_LOADER } from '../../src/server/node-options.js';
import { afterAll, describe, expect, it } from 'vitest';
import { openRaw } from '../support/hardening.js';
import { freePort } from '../support/child-server.js';
import { databaseUrlFor } from '../support/test-database.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = 'shutdown-test-admin-token-0123';
const dir = mkdtempSync(join(tmpdir(), 'leadrace-shutdown-'));
const children: ChildProcessByStdio<null, Readable, Readable>[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the entry point on the test's database and resolves once it says it is up. */
async function start() {
  const port = await freePort();
  const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, ...TS_LOADER, 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), PORT: String(port), DATABASE_URL: await databaseUrlFor(join(dir, 'leadrace.db')), BOOTSTRAP_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('leadrace is up')) resolve();
    });
    void exited.then((e) => reject(new Error(`server exited early (${JSON.stringify(e)}):\n${err}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return { child, exited, url, wsUrl: `ws://127.0.0.1:${port}/graphql`, stdout: () => out };
}

async function gql<T>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const SUBMIT = 'mutation($input: SubmitLeadInput!) { submitLead(input: $input) { id } }';

/**
 * A POST whose headers the server has read (it answered 100 Continue: its request handler runs)
 * and whose body is held back until `finish()`: a request in flight for as long as the test wants.
 */
async function heldRequest(url: string, body: string) {
  const req = request(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', authorization: `Bearer ${ADMIN}`, 'content-length': Buffer.byteLength(body),
      expect: '100-continue', connection: 'close',
    },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => { text += c; }).once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
  });
  req.flushHeaders();
  await new Promise<void>((resolve) => req.once('continue', resolve));
  return { finish: () => { req.end(body); return response; } };
}

describe('SIGTERM', () => {
  it('closes WebSockets with 1001, answers the request in flight, exits 0 within 10 s, and keeps every acknowledged lead', async () => {
    const first = await start();
    const { createLeadSource } = await gql<{ createLeadSource: { id: string } }>(first.url, ADMIN,
      'mutation($input: LeadSourceInput!) { createLeadSource(input: $input) { id } }', { input: { name: 'Shutdown source' } });
    const sourceId = createLeadSource.id;
    const acknowledged = (await gql<{ submitLead: { id: string } }>(first.url, ADMIN, SUBMIT,
      { input: { sourceId, firstName: 'Before', email: 'before@example.com' } })).submitLead.id;

    const socket = await openRaw(first.wsUrl, ADMIN);
    socket.subscribe('1', 'subscription { leadEvents { type } }');
    const inFlight = await heldRequest(first.url, JSON.stringify({ query: SUBMIT, variables: { input: { sourceId, firstName: 'During' } } }));

    const sent = Date.now();
    first.child.kill('SIGTERM');
    expect(await socket.closed).toMatchObject({ code: 1001 });
    const answered = await inFlight.finish();
    expect(answered.status).toBe(200);
    const during = (JSON.parse(answered.body) as { data: { submitLead: { id: string } } }).data.submitLead.id;
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(first.stdout()).toContain('leadrace stopped');

    const second = await start();
    const { leads } = await gql<{ leads: { edges: { node: { id: string; firstName: string } }[] } }>(second.url, ADMIN,
      '{ leads(first: 100) { edges { node { id firstName } } } }');
    expect(leads.edges.map((e) => e.node).sort((a, b) => Number(a.id) - Number(b.id)))
      .toEqual([{ id: acknowledged, firstName: 'Before' }, { id: during, firstName: 'During' }]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
