// Random leads and offers for the rollup tests: written straight into the tables (the triggers of
// migration 0005, when present, are what is being tested), repeatable from a seed.
import type Database from 'better-sqlite3';

export const DAY = 86_400_000;
/** 2024-11-01: the data runs into the 512-day period that starts on 2026-01-27. */
export const T0 = Date.UTC(2024, 10, 1);
export const SPAN_DAYS = 500;

/** A repeatable pseudo-random sequence (mulberry32). */
export function random(seed: number) {
  let s = seed;
  const next = () => {
    s = (s + 0x6d2b79f5) | 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { next, int, pick };
}
export type Random = ReturnType<typeof random>;

/** The rows the generated leads and offers point at. */
export interface StatsFixture {
  sqlite: Database.Database;
  agentIds: number[];
  sourceIds: number[];
  codes: number[];
}

/** Agents and sources (status codes come with the database), then what the fixture needs of them. */
export function addAgentsAndSources(sqlite: Database.Database, agents: number, sources: number): StatsFixture {
  const user = sqlite.prepare("INSERT INTO users (name, email, role, handle) VALUES (?, ?, 'AGENT', ?)");
  for (let i = 1; i <= agents; i++) user.run(`Agent ${i}`, `agent${i}@test.example`, `agent${i}`);
  const source = sqlite.prepare('INSERT INTO lead_sources (name, public_key) VALUES (?, ?)');
  for (let i = 1; i <= sources; i++) source.run(`Source ${i}`, `key-${i}`);
  return {
    sqlite,
    agentIds: sqlite.prepare("SELECT id FROM users WHERE role = 'AGENT'").pluck().all() as number[],
    sourceIds: sqlite.prepare('SELECT id FROM lead_sources').pluck().all() as number[],
    codes: sqlite.prepare('SELECT id FROM status_codes').pluck().all() as number[],
  };
}

/** A response time: mostly whole seconds under 256 s, or with milliseconds, or minutes to hours. */
export function responseMs(r: Random, wholeSecondsOnly: boolean): number {
  if (wholeSecondsOnly) return r.int(256) * 1000;
  const kind = r.int(4);
  if (kind === 0) return r.int(256) * 1000;
  if (kind === 1) return r.int(256_000);
  if (kind === 2) return 256_000 + r.int(3_600_000);
  return r.int(4 * 3_600_000);
}

export function insertLead(f: StatsFixture, r: Random, at: number): number {
  const state = r.pick(['ROUTING', 'ASSIGNED', 'UNASSIGNED']);
  const status = r.next() < 0.1 ? null : r.pick(f.codes);
  return Number(f.sqlite.prepare(`INSERT INTO leads (source_id, kind, state, status_code_id, first_name, created_at)
    VALUES (?, 'GENERAL', ?, ?, 'Lead', ?)`).run(r.pick(f.sourceIds), state, status, at).lastInsertRowid);
}

/**
 * A lead has at most one ACCEPTED offer (the race's unique index, migration 0008): a second one drawn
 * at random becomes TAKEN, as it would have been had the two agents raced.
 */
export function oneWinner(sqlite: Database.Database, leadId: number, state: string, offerId = 0): string {
  if (state !== 'ACCEPTED') return state;
  const won = sqlite.prepare("SELECT 1 FROM offers WHERE lead_id = ? AND state = 'ACCEPTED' AND id <> ?").get(leadId, offerId);
  return won ? 'TAKEN' : state;
}

export function insertOffer(f: StatsFixture, r: Random, leadId: number, leadAt: number, wholeSecondsOnly: boolean): void {
  const offeredAt = leadAt + r.int(2 * DAY);
  const agent = r.pick(f.agentIds);
  const insert = f.sqlite.prepare(`INSERT INTO offers (lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at)
    VALUES (?, ?, 1, ?, ?, ?, ?, ?)`);
  const kind = r.int(10);
  if (kind === 0) {
    // Auto-accepted direct offer: never counted.
    insert.run(leadId, agent, 1, oneWinner(f.sqlite, leadId, 'ACCEPTED'), offeredAt, offeredAt, offeredAt);
  } else if (kind === 1) {
    // Direct offer still open, or answered later.
    const state = oneWinner(f.sqlite, leadId, r.pick(['PENDING', 'ACCEPTED', 'DECLINED']));
    insert.run(leadId, agent, 1, state, offeredAt, offeredAt + DAY, state === 'PENDING' ? null : offeredAt + 1000 + responseMs(r, wholeSecondsOnly));
  } else {
    const state = oneWinner(f.sqlite, leadId, r.pick(['PENDING', 'ACCEPTED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN']));
    insert.run(leadId, agent, 0, state, offeredAt, offeredAt + 900_000, state === 'PENDING' ? null : offeredAt + responseMs(r, wholeSecondsOnly));
  }
}

export function seed(f: StatsFixture, r: Random, leads: number, wholeSecondsOnly = false): void {
  f.sqlite.transaction(() => {
    for (let i = 0; i < leads; i++) {
      const at = T0 + r.int(SPAN_DAYS * DAY);
      const id = insertLead(f, r, at);
      for (let k = r.int(4); k > 0; k--) insertOffer(f, r, id, at, wholeSecondsOnly);
    }
  })();
}

