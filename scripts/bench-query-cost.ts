// `npx tsx scripts/bench-query-cost.ts [--leads=300000] [--agents=600] [--runs=5] [--db=<file>] [--keep]`:
// seeds a realistic brokerage (scripts/bench/lib/brokerage-db.ts; or reuses --db), then resolves
// GraphQL documents in-process (graphql-js execute over the real schema, services and SQLite file,
// plus JSON.stringify of the answer: the server's whole work but HTTP) and prints, for each, its
// cost as the query-cost model computes it and the time it took.
//
// Two parts:
// - searches: an agent who owns ~50 of the leads searches them (one search, with totalCount, and
//   50 aliased searches), beside the same searches by an admin;
// - cost: screens and trees of growing cost, to tie the cost limit to resolution time.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execute, getIntrospectionQuery, getOperationAST, Kind, parse, type DocumentNode, type FragmentDefinitionNode } from 'graphql';
import { pino } from 'pino';
import { Args } from './bench/lib/args.js';
import { seedBrokerage } from './bench/lib/brokerage-db.js';
import { createInProcessEventBus } from '../src/events/event-bus.js';
import { buildContext } from '../src/graphql/context.js';
import { MAX_QUERY_COST, operationCost } from '../src/graphql/query-cost.js';
import { getSchema } from '../src/graphql/schema.js';
import { loadConfig } from '../src/server/config.js';
import { createServices } from '../src/services/services.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { systemClock } from '../src/time/clock.js';
import type { Viewer } from '../src/domain/viewer.js';

const args = new Args(process.argv.slice(2));
const LEADS = args.num('leads', 300_000);
const AGENTS = args.num('agents', 600);
const RUNS = args.num('runs', 5);
const DB = args.str('db', '');
const KEEP = args.str('keep', 'false') === 'true';
const PART = args.str('part', 'all');
args.checkUnknown();

const dir = DB ? null : mkdtempSync(join(tmpdir(), 'leadrace-bench-cost-'));
const file = DB || join(dir ?? '.', 'bench.db');
process.on('exit', () => { if (dir && !KEEP) rmSync(dir, { recursive: true, force: true }); });

let searcherId: number;
if (existsSync(file) && DB) {
  const probe = openDatabase(file);
  searcherId = probe.sqlite.prepare("SELECT max(id) FROM users WHERE role = 'AGENT'").pluck().get() as number;
  probe.close();
  console.log(`reusing ${file}`);
} else {
  const seeded = seedBrokerage(file, { leads: LEADS, agents: AGENTS, offices: 12, sources: 24, searcherLeads: 50 });
  searcherId = seeded.searcherId;
  console.log(`seeded ${file} in ${seeded.seconds.toFixed(1)} s: ${JSON.stringify(seeded.counts)}`);
}

const logger = pino({ level: 'silent' });
const config = loadConfig({ DATABASE_URL: file, LOG_LEVEL: 'silent' });
const database = openSqliteStore(file);
const services = await createServices({ store: database, clock: systemClock, bus: createInProcessEventBus(), config, logger });
const schema = getSchema();
const admin: Viewer = { id: database.sqlite.prepare("SELECT min(id) FROM users WHERE role = 'ADMIN'").pluck().get() as number ?? 0, role: 'ADMIN' };
const agent: Viewer = { id: searcherId, role: 'AGENT' };
const owned = database.sqlite.prepare('SELECT count(*) FROM leads WHERE owner_id = ?').pluck().get(searcherId) as number;
const worked = database.sqlite.prepare('SELECT count(*) FROM lead_users WHERE user_id = ?').pluck().get(searcherId) as number;
const total = database.sqlite.prepare('SELECT count(*) FROM leads').pluck().get() as number;
console.log(`${total} leads; the searching agent (${searcherId}) owns ${owned} and works ${worked}\n`);

interface Timed { ms: number; maxMs: number; bytes: number; errors: number; objects: number }

/** Counts the objects in an answer (every JSON object, the root's data included). */
function objects(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + objects(v), 0);
  if (value && typeof value === 'object') return 1 + Object.values(value).reduce((n: number, v) => n + objects(v), 0);
  return 0;
}

async function run(viewer: Viewer, document: DocumentNode, variables?: Record<string, unknown>): Promise<{ ms: number; bytes: number; errors: number; objects: number }> {
  const t0 = performance.now();
  const result = await execute({ schema, document, variableValues: variables,
    contextValue: buildContext(services, viewer, 'bench', logger) });
  const text = JSON.stringify(result);
  const ms = performance.now() - t0;
  return { ms, bytes: text.length, errors: result.errors?.length ?? 0, objects: objects(result.data) };
}

/** One warm-up run, then `runs` runs: the median and the slowest. */
async function time(viewer: Viewer, query: string, variables?: Record<string, unknown>, runs = RUNS): Promise<Timed> {
  const document = parse(query);
  const first = await run(viewer, document, variables);
  if (first.errors) {
    const r = await execute({ schema, document, variableValues: variables, contextValue: buildContext(services, viewer, 'bench', logger) });
    throw new Error(`errors in ${query.slice(0, 80)}: ${JSON.stringify(r.errors)}`);
  }
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push((await run(viewer, document, variables)).ms);
  ms.sort((a, b) => a - b);
  return { ms: ms[Math.floor(ms.length / 2)] ?? 0, maxMs: ms[ms.length - 1] ?? 0, bytes: first.bytes, errors: first.errors, objects: first.objects };
}

const f = (n: number) => n.toFixed(1).padStart(9);

if (PART === 'all' || PART === 'search') {
  const page = (term: string, count: boolean) => `leads(first: 20, filter: { search: "${term}" }) { ${count ? 'totalCount ' : ''}edges { node { id firstName } } }`;
  const aliased = (term: string, n: number) => `{ ${Array.from({ length: n }, (_, i) => `s${i}: ${page(term, false)}`).join(' ')} }`;
  const cases: [string, Viewer, string, number][] = [
    ['agent: search "example" (every lead matches)', agent, `{ ${page('example', false)} }`, RUNS],
    ['agent: search "example" + totalCount', agent, `{ ${page('example', true)} }`, RUNS],
    ['agent: search "reyes" (1 in 20 match)', agent, `{ ${page('reyes', false)} }`, RUNS],
    ['agent: search "zzq" (nothing matches)', agent, `{ ${page('zzq', false)} }`, RUNS],
    ['agent: search "5120000" (phone)', agent, `{ ${page('5120000', false)} }`, RUNS],
    ['agent: 50 aliased searches "example"', agent, aliased('example', 50), 1],
    ['admin: search "example"', admin, `{ ${page('example', false)} }`, RUNS],
    ['admin: search "example" + totalCount', admin, `{ ${page('example', true)} }`, RUNS],
    ['admin: search "reyes" + totalCount', admin, `{ ${page('reyes', true)} }`, RUNS],
    ['admin: search "zzq"', admin, `{ ${page('zzq', false)} }`, RUNS],
    ['admin: totalCount, no search', admin, '{ leads(first: 1) { totalCount } }', RUNS],
    ['admin: 50 aliased searches "example"', admin, aliased('example', 50), 1],
  ];
  console.log(`${'search'.padEnd(48)}${'median ms'.padStart(9)} ${'max ms'.padStart(9)}`);
  for (const [name, viewer, query, runs] of cases) {
    const t = await time(viewer, query, undefined, runs);
    console.log(`${name.padEnd(48)}${f(t.ms)} ${f(t.maxMs)}`);
  }
  console.log('');
}

/** The cost the model gives a document (its only operation) with these variables. */
function costOf(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => [d.name.value, d]));
  return operationCost(schema, operation, (n) => fragments.get(n), variables) ?? Number.NaN;
}

if (PART === 'all' || PART === 'cost') {
  const someLead = database.sqlite.prepare('SELECT lead_id FROM routing_rounds ORDER BY length(decisions) DESC, lead_id DESC LIMIT 1').pluck().get() as number;
  const rareStatus = database.sqlite.prepare('SELECT status_code_id FROM leads GROUP BY status_code_id ORDER BY count(*) LIMIT 1').pluck().get() as number;
  const yearAgo = new Date(database.sqlite.prepare('SELECT min(created_at) FROM leads').pluck().get() as number + 30 * 86_400_000).toISOString();
  const screenFields = `id firstName lastName email phone state createdAt source { name } owner { name } status { name }
    offers { state agent { name } } events { type at agent { name } }`;
  const screen = (n: number) => `{ leads(first: ${n}) { edges { node { ${screenFields} } } pageInfo { hasNextPage endCursor } } }`;
  const aliasedScreens = (k: number) => `{ ${Array.from({ length: k }, (_, i) => `p${i}: leads(first: 100, after: "${Buffer.from(`lead:${300_000 - i * 100}`).toString('base64')}") { edges { node { ${screenFields} } } }`).join(' ')} }`;
  const tree = (n: number) => `{ leads(first: ${n}) { edges { node { id offers { id lead { id events { id type at } } } } } } }`;
  const deeper = (n: number) => `{ leads(first: ${n}) { edges { node { offers { agent { name offices { name } tags { name } } lead { offers { state agent { name } } } } } } } }`;
  const cases: [string, string][] = [
    ['screen: 10 leads, offers, events', screen(10)],
    ['screen: 25 leads', screen(25)],
    ['screen: 50 leads', screen(50)],
    ['screen: 100 leads', screen(100)],
    ['screen: 100 leads + totalCount', screen(100).replace('pageInfo', 'totalCount pageInfo')],
    ['2 screens of 100 (aliased pages)', aliasedScreens(2)],
    ['4 screens of 100', aliasedScreens(4)],
    ['8 screens of 100', aliasedScreens(8)],
    ['tree: 10 leads > offers > lead > events', tree(10)],
    ['tree: 50 leads > offers > lead > events', tree(50)],
    ['tree: 100 leads > offers > lead > events', tree(100)],
    ['tree: 20 leads > offers > agent, lead > offers', deeper(20)],
    ['tree: 100 leads > offers > agent, lead > offers', deeper(100)],
    ['users with offices and tags', '{ users { id name email role offices { name } tags { name } } }'],
    ['leadSources with nextUp and offices', '{ leadSources { id name nextUp { name } offices { name } } }'],
    ['a lead with its routing', `{ lead(id: "${someLead}") { id routing { round reason agent { name } } } }`],
    ['leadStats (all time)', '{ leadStats { total byState { state count } bySource { source { name } count } byStatus { status { name } count } offers { made accepted declined expired taken } medianSecondsToAccept perAgent { agent { name } received accepted medianResponseSeconds } } }'],
    ['search "example" page (admin)', '{ leads(first: 20, filter: { search: "example" }) { edges { node { id firstName } } } }'],
    ['search "example" + totalCount (admin)', '{ leads(first: 20, filter: { search: "example" }) { totalCount edges { node { id firstName } } } }'],
    ['search "reyes" + totalCount (admin)', '{ leads(first: 20, filter: { search: "reyes" }) { totalCount edges { node { id firstName } } } }'],
    ['search "example" + ownerId (admin)', `{ leads(first: 20, filter: { search: "example", ownerId: "${searcherId}" }) { totalCount edges { node { id firstName } } } }`],
    ['search "example" + rarest status (admin)', `{ leads(first: 20, filter: { search: "example", statusCodeId: "${rareStatus}" }) { edges { node { id firstName } } } }`],
    ['search "example", created in the first month (admin)', `{ leads(first: 20, filter: { search: "example", createdTo: "${yearAgo}" }) { edges { node { id firstName } } } }`],
    ['search "reyes", created in the first month (admin)', `{ leads(first: 20, filter: { search: "reyes", createdTo: "${yearAgo}" }) { edges { node { id firstName } } } }`],
    ['totalCount (admin, no filter)', '{ leads(first: 20) { totalCount edges { node { id firstName } } } }'],
    ['totalCount, created in the first month (admin)', `{ leads(first: 20, filter: { createdTo: "${yearAgo}" }) { totalCount edges { node { id firstName } } } }`],
    ['totalCount, ASSIGNED, rarest status (admin)', `{ leads(first: 20, filter: { state: ASSIGNED, statusCodeId: "${rareStatus}" }) { totalCount edges { node { id firstName } } } }`],
    ['leadStats { total } only', '{ leadStats { total } }'],
    ['full introspection (the IDE\'s)', getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
      schemaDescription: true, inputValueDeprecation: true, oneOf: true })],
  ];
  console.log(`${'document'.padEnd(48)}${'cost'.padStart(9)} ${'objects'.padStart(9)} ${'median ms'.padStart(9)} ${'max ms'.padStart(9)} ${'µs/unit'.padStart(9)} ${'KB'.padStart(7)}`);
  const rows: { name: string; cost: number; objects: number; ms: number; maxMs: number; usPerUnit: number; kb: number }[] = [];
  for (const [name, query] of cases) {
    const cost = costOf(query);
    const t = await time(admin, query);
    const row = { name, cost, objects: t.objects, ms: t.ms, maxMs: t.maxMs, usPerUnit: (t.ms * 1000) / cost, kb: t.bytes / 1024 };
    rows.push(row);
    console.log(`${name.padEnd(48)}${String(cost).padStart(9)} ${String(t.objects).padStart(9)} ${f(t.ms)} ${f(t.maxMs)} ${f(row.usPerUnit)} ${row.kb.toFixed(0).padStart(7)}`);
  }
  console.log(`\nlimit ${MAX_QUERY_COST}; at the slowest µs per unit measured (${Math.max(...rows.map((r) => r.usPerUnit)).toFixed(1)}) an operation at the limit takes about ${(Math.max(...rows.map((r) => r.usPerUnit)) * MAX_QUERY_COST / 1000).toFixed(0)} ms`);
  console.log(JSON.stringify({ bench: 'query-cost', leads: total, limit: MAX_QUERY_COST, rows }));
}

database.close();
