// Issue 12: one forwarded email froze the whole server. Its parser's regular expressions took
// quadratic time, and the server parses on its one event loop: 80 KB of "Phone: ((((" kept every
// other client waiting 12 s. Over a real server process (its own event loop, so this test's clock
// keeps running while the server's is blocked), each email the issue reproduced is answered
// promptly, /healthz requests sent while it is handled are answered promptly too, and the server
// answers right after.
//
// These assert durations, which tests here normally do not: issue 12 asks for it. The bound is
// generous (the emails take tens of milliseconds; the old code took 6 to 13 seconds).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killAllChildren, startChild } from '../support/child-server.js';
import { ADMIN_TOKEN, sdkFor } from '../support/server.js';

const SECRET = 'inbound-time-secret-0123456789';
/** Answered within this, the email and every /healthz asked meanwhile. */
const PROMPT_MS = 2000;

let dir: string;
let url: string;
let forwarding: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadrace-inbound-time-'));
  const port = await freePort();
  await startChild(join(dir, 'test.db'), port, { INBOUND_EMAIL_SECRET: SECRET, INTAKE_RATE_PER_MINUTE: '1000000', NODE_ENV: 'production' });
  url = `http://127.0.0.1:${port}`;
  const { createUser } = await sdkFor(url, ADMIN_TOKEN).CreateUser({ input: { name: 'Tess Timing', email: 'tess.timing@example.com', role: 'AGENT' } });
  forwarding = createUser.leadEmail;
});
afterAll(() => {
  killAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

let sequence = 0;
function email(opts: { to?: string; html?: boolean; body: string }): string {
  sequence += 1;
  return [
    'From: Portal Leads <leads@portal.example>', `To: ${opts.to ?? forwarding}`, 'Subject: New lead',
    `Message-ID: <slow-${sequence}@portal.example>`, `Content-Type: text/${opts.html ? 'html' : 'plain'}; charset=utf-8`,
    '', opts.body, '',
  ].join('\r\n');
}

/** The four emails of issue 12, at the sizes it reported. */
const SHAPES: [string, () => string][] = [
  ['80 KB of "Phone: ((((…"', () => email({ body: `Name: Pat Doe\nPhone: ${'('.repeat(80 * 1024)}` })],
  ['80 KB of "Email: aaaa…"', () => email({ body: `Name: Pat Doe\nEmail: ${'a'.repeat(80 * 1024)}` })],
  ['a 60 KB To header', () => email({ to: `${'a'.repeat(60 * 1024)} ${forwarding}`, body: 'Name: Pat Doe' })],
  ['400 KB of empty <tr> rows', () => email({ html: true, body: `<p>Name: Pat Doe</p><table>${'<tr>'.repeat(100 * 1024)}</table>` })],
];

async function healthz(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/healthz`);
  await res.text();
  return { status: res.status, ms: performance.now() - started };
}

describe('a hostile forwarded email does not block the server', () => {
  it.each(SHAPES)('%s is answered promptly, and so is /healthz while it is handled and right after', async (_, build) => {
    const started = performance.now();
    let answered = false;
    const posted = fetch(`${url}/inbound/email`, {
      method: 'POST', headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': SECRET }, body: build(),
    }).then(async (res) => {
      await res.json();
      answered = true;
      return { status: res.status, ms: performance.now() - started };
    });
    // Ask over and over while the email is handled: a request that arrives while the event loop is
    // blocked waits until it is free again.
    const meanwhile: { status: number; ms: number }[] = [];
    while (!answered) meanwhile.push(await healthz());
    const answer = await posted;
    expect(answer.status).toBe(201);
    expect(answer.ms).toBeLessThan(PROMPT_MS);
    for (const h of meanwhile) {
      expect(h.status).toBe(200);
      expect(h.ms).toBeLessThan(PROMPT_MS);
    }
    const after = await healthz();
    expect(after.status).toBe(200);
    expect(after.ms).toBeLessThan(PROMPT_MS);
  }, 60_000);
});
