// `npx tsx scripts/bench-inbound-email.ts [--kb=80] [--runs=3]`: posts hostile forwarded emails to
// POST /inbound/email on a real server (in this process, fresh SQLite file) and prints how long each
// took to be answered, the fastest and the slowest of the runs. The server runs on one event loop, so that time is
// also how long every other client waited. The shapes are the ones issue 12 reported (a long
// "Phone: ((((" or "Email: aaaa" value, a long To header, many empty table rows) and their kin.
// Prints a table, then one JSON line with every figure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GraphQLClient } from 'graphql-request';
import { startServer } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createLogger } from '../src/server/logger.js';
import { getSdk } from '../src/sdk/generated.js';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
}

const KB = arg('kb', 80);
/** `--only=tr` runs only the shapes whose name contains "tr". */
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? '';
const RUNS = arg('runs', 3);
const SECRET = 'bench-inbound-secret-0123456789';
const TOKEN = 'bench-admin-token-0123456789';
const n = KB * 1024;
/**
 * Header shapes stay under the server's 64 KB bound on a MIME node's headers (past it a message is
 * refused before anything reads its addresses): 60 KB, the size issue 12 reported, or less.
 */
const h = Math.min(n, 60 * 1024);

function message(to: string, body: string, opts: { html?: boolean; headers?: string } = {}): string {
  return [
    'From: Portal <leads@portal.example>', `To: ${to}`, ...(opts.headers ? [opts.headers] : []),
    'Subject: New lead', `Message-ID: <bench-${Math.random()}@portal.example>`,
    `Content-Type: ${opts.html ? 'text/html' : 'text/plain'}; charset=utf-8`, '', body, '',
  ].join('\r\n');
}

const dir = mkdtempSync(join(tmpdir(), 'leadrace-bench-inbound-'));
const config = loadConfig({
  PORT: '0', DATABASE_URL: join(dir, 'bench.db'), BOOTSTRAP_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent',
  INBOUND_EMAIL_SECRET: SECRET, INTAKE_RATE_PER_MINUTE: '1000000', NODE_ENV: 'production',
});
const server = await startServer({ config, logger: createLogger('silent') });
const admin = getSdk(new GraphQLClient(`${server.url}/graphql`, { headers: { authorization: `Bearer ${TOKEN}` } }));
const { createUser } = await admin.CreateUser({ input: { name: 'Bench Agent', email: 'bench.agent@example.com', role: 'AGENT' } });
const to = createUser.leadEmail;

const shapes: [string, () => string][] = [
  ['Phone: ((((…', () => message(to, `Name: Pat Doe\nPhone: ${'('.repeat(n)}`)],
  ['Phone: 1 1 1 …', () => message(to, `Name: Pat Doe\nPhone: ${'1 '.repeat(n / 2)}x`)],
  ['Email: aaaa…', () => message(to, `Name: Pat Doe\nEmail: ${'a'.repeat(n)}`)],
  ['Email: a@aaaa…', () => message(to, `Name: Pat Doe\nEmail: a@${'a'.repeat(n)}`)],
  ['To: aaaa… (header)', () => message(`${'a'.repeat(h)} ${to}`, 'Name: Pat Doe')],
  ['To: a@a@a@… (header)', () => message(`${'a@'.repeat(h / 2)} ${to}`, 'Name: Pat Doe')],
  ['Cc: many addresses', () => message(to, 'Name: Pat Doe', { headers: `Cc: ${'x@y.example, '.repeat(h / 13)}` })],
  ['Cc: many forwarding addrs', () => message(to, 'Name: Pat Doe', { headers: `Cc: ${Array.from({ length: h / 40 }, (_, i) => `x${i}.leads@leads.localhost`).join(', ')}` })],
  ['<tr> × n (HTML)', () => message(to, `<table>${'<tr>'.repeat(n / 4)}</table>`, { html: true })],
  ['<tr></tr> × n (HTML)', () => message(to, `<table>${'<tr></tr>'.repeat(n / 9)}</table>`, { html: true })],
  ['<tr><td> × n (HTML)', () => message(to, `<table><tr>${'<td>'.repeat(n / 4)}</tr></table>`, { html: true })],
  ['<<<< (HTML)', () => message(to, `Name: Pat\n${'<'.repeat(n)}`, { html: true })],
  ['<script × n (HTML)', () => message(to, `Name: Pat\n${'<script>'.repeat(n / 8)}`, { html: true })],
  ['&aaaa (HTML)', () => message(to, `Name: Pat\n${'&'.repeat(n / 2)}${'a'.repeat(n / 2)}`, { html: true })],
  ['Name: <<<<', () => message(to, `Name: ${'<'.repeat(n)}`)],
  ['From: <<<< (forwarded)', () => message(to, `From: ${'<'.repeat(n)}`)],
  ['blank lines × n', () => message(to, `${'\n'.repeat(n)}From: x@y.example`)],
  ['> quoting × n', () => message(to, `${'> '.repeat(n / 2)}Name: Pat`)],
  ['spaces, then \\u2028', () => message(to, `Message: ${' '.repeat(n)}x\u2028x`)],
  ['random letters', () => message(to, Array.from({ length: n }, () => 'ab (1.-@:<>&;\n'[Math.floor(Math.random() * 14)]).join(''))],
];

async function post(raw: string): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  const res = await fetch(`${server.url}/inbound/email`, {
    method: 'POST', headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': SECRET }, body: raw,
  });
  await res.arrayBuffer();
  return { ms: performance.now() - start, status: res.status };
}

const results: { shape: string; kb: number; minMs: number; maxMs: number; status: number }[] = [];
console.log(`${'shape'.padEnd(26)} ${'size'.padStart(8)} ${'min ms'.padStart(8)} ${'max ms'.padStart(8)}  status`);
for (const [shape, build] of shapes.filter(([name]) => name.includes(ONLY))) {
  const times: number[] = [];
  let status = 0;
  let kb = 0;
  for (let i = 0; i < RUNS; i++) {
    const raw = build();
    kb = Math.round(Buffer.byteLength(raw) / 1024);
    const r = await post(raw);
    times.push(r.ms);
    status = r.status;
  }
  const [minMs, maxMs] = [Math.round(Math.min(...times)), Math.round(Math.max(...times))];
  results.push({ shape, kb, minMs, maxMs, status });
  console.log(`${shape.padEnd(26)} ${String(kb).padStart(5)} KB ${String(minMs).padStart(8)} ${String(maxMs).padStart(8)}  ${status}`);
}
console.log(JSON.stringify({ bench: 'inbound-email', runs: RUNS, results }));
await server.close();
rmSync(dir, { recursive: true, force: true });
