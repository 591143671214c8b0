// Issue 12 point 3: searches multiplied by aliases, against a server whose SQLite file was seeded
// before it started with a brokerage of a few hundred thousand leads (scripts/bench/lib/brokerage-db.ts,
// straight through SQL as scripts/bench-lead-list.ts does). One agent owns ~50 of them; every lead's
// email ends in "@mail.example", so "example" matches them all. The agent sends 50 and 1,000 aliased
// `leads(filter: { search: "example" })`, one search with totalCount, and a search holding a NUL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedBrokerage } from '../../bench/lib/brokerage-db.js';
import { ADMIN_TOKEN, type AttackContext } from '../context.js';
import { gql, gqlData, type GqlAnswer } from '../http.js';
import type { AttackResult } from '../report.js';

export interface SearchDatabase {
  dir: string;
  dbPath: string;
  searcherId: number;
  leads: number;
  seconds: number;
}

/** Seeds a temp SQLite file (the caller removes `dir`); the server is started on it afterwards. */
export function seedSearchDatabase(leads: number): SearchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'leadrace-attack-search-'));
  const dbPath = join(dir, 'search.db');
  const seeded = seedBrokerage(dbPath, { leads, agents: 600, offices: 12, sources: 24, searcherLeads: 50 });
  return { dir, dbPath, searcherId: seeded.searcherId, leads: seeded.counts.leads, seconds: seeded.seconds };
}

const outcome = (a: GqlAnswer<unknown>): string => {
  const codes = [...new Set(a.errors.map((e) => e.code ?? '?'))];
  return `${a.status} ${codes.length ? codes.join(', ') : 'answered'} in ${Math.round(a.ms)} ms`;
};

/** Refused with a code before running, or answered within a second: either way no stall. */
const REFUSAL_CODES = new Set(['QUERY_TOO_COMPLEX', 'BAD_USER_INPUT', 'RATE_LIMITED']);

export async function aliasedSearches(ctx: AttackContext, db: SearchDatabase): Promise<AttackResult[]> {
  const { issueApiToken } = await gqlData<{ issueApiToken: { token: string } }>(ctx.target.url,
    'mutation($userId: ID!) { issueApiToken(userId: $userId) { token } }', { userId: String(db.searcherId) }, { token: ADMIN_TOKEN });
  const token = issueApiToken.token;
  const results: AttackResult[] = [];
  const scale = `${db.leads.toLocaleString('en')} leads, the agent owns ~50`;

  const one = 'query($s: String!) { leads(filter: { search: $s }) { totalCount edges { node { id } } } }';
  {
    const { value, health } = await ctx.target.during(() => gql<{ leads: { totalCount: number } }>(ctx.target.url, one, { s: 'example' }, { token }));
    results.push({
      point: '3',
      name: `one search by an agent, with totalCount (${scale})`,
      sent: `${one} with s="example", as the agent`,
      got: `${outcome(value)}, totalCount ${value.data?.leads.totalCount ?? '-'}`,
      expected: 'answered fast (≤ 200 ms): the cost follows the agent\'s own leads, not everyone\'s matches',
      held: value.errors.length === 0 && value.ms <= 200,
      health,
    });
  }

  // Each alias selects only totalCount: the cheapest selection under a cost rule that prices a
  // search like a plain field (1,000 of them passed the old limit of 5,000), and the costliest to
  // run when a count walks every match.
  for (const aliases of [50, 1000]) {
    const query = `query { ${Array.from({ length: aliases }, (_, i) => `s${i}: leads(filter: { search: "example" }) { totalCount }`).join(' ')} }`;
    const { value, health } = await ctx.target.during(() => gql(ctx.target.url, query, {}, { token, timeoutMs: 600_000 }));
    const refused = value.errors.some((e) => REFUSAL_CODES.has(e.code ?? ''));
    results.push({
      point: '3',
      name: `${aliases} aliased \`leads(filter: { search: "example" }) { totalCount }\` by an agent (${scale})`,
      sent: `one query of ${aliases} aliases, ${Math.round(query.length / 1024)} KB`,
      got: `${outcome(value)}${value.errors[0] ? `: ${value.errors[0].message.slice(0, 80)}` : ''}`,
      expected: 'refused with a code before it runs, or answered within 1 s; /healthz unaffected',
      held: value.errors.every((e) => e.code !== 'INTERNAL_SERVER_ERROR') && (refused || (value.errors.length === 0 && value.ms < 1000)),
      health,
    });
  }

  const nul = 'query($s: String!) { leads(filter: { search: $s }) { edges { node { id } } } }';
  const { value, health } = await ctx.target.during(() => gql<{ leads: { edges: unknown[] } }>(ctx.target.url, nul, { s: 'exa\u0000mple' }, { token }));
  const code = value.errors[0]?.code;
  results.push({
    point: '3',
    name: 'a search holding a NUL byte',
    sent: `${nul} with s="exa\\u0000mple"`,
    got: `${outcome(value)}${value.errors[0] ? `: ${value.errors[0].message.slice(0, 80)}` : `, ${value.data?.leads.edges.length ?? 0} leads`}`,
    expected: 'BAD_USER_INPUT or a plain no-match (not INTERNAL_SERVER_ERROR)',
    held: code === 'BAD_USER_INPUT' || (code === undefined && value.data?.leads.edges.length === 0),
    health,
  });
  return results;
}
