// Random leads and offers for the rollup tests: written straight into the tables (the triggers of
// migration 0005, when present, are what is being tested), repeatable from a seed. Every write is a
// RollupOp applied to SQLite (the database the random choices are read from); a fixture with a `log`
// also records them, so that postgres-rollups.test.ts replays the same sequence on PostgreSQL
// (lead-stats-postgres.ts) and compares the rollups the two databases' triggers made.
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
  /** When set, every write is also appended here, as applied (inserts with the id SQLite gave). */
  log?: RollupOp[];
}

/** One write of the random sequence, as data. Times are epoch milliseconds, as SQLite stores them. */
export type RollupOp =
  | { kind: 'insertLead'; id: number; sourceId: number; state: string; statusCodeId: number | null; createdAt: number }
  | {
    kind: 'insertOffer'; id: number; leadId: number; agentId: number; direct: boolean; state: string;
    offeredAt: number; expiresAt: number; respondedAt: number | null;
  }
  | { kind: 'answerOffer'; id: number; state: string; respondedAt: number }
  | { kind: 'setLeadState'; id: number; state: string; statusCodeId: number | null }
  | { kind: 'moveLead'; id: number; sourceId: number; createdAt: number }
  | { kind: 'moveOffer'; id: number; agentId: number; offeredAt: number; respondedAt: number | null }
  | { kind: 'deleteOffer'; id: number }
  | { kind: 'deleteLead'; id: number }
  /** Many rows in one statement: every lead created in [from, to). */
  | { kind: 'setLeadsCreatedIn'; from: number; to: number; state: string; statusCodeId: number | null }
  /** A coarse period listed in rollup_periods, without summing it: from then on the triggers keep its rows. */
  | { kind: 'listPeriod'; spanDays: number; period: number };

/** Applies `op` to SQLite and records it; returns the new row's id for an insert (its `id` is ignored). */
export function write(f: StatsFixture, op: RollupOp): number {
  const db = f.sqlite;
  let applied: RollupOp = op;
  switch (op.kind) {
    case 'insertLead': {
      const id = Number(db.prepare(`INSERT INTO leads (source_id, kind, state, status_code_id, first_name, created_at)
        VALUES (?, 'GENERAL', ?, ?, 'Lead', ?)`).run(op.sourceId, op.state, op.statusCodeId, op.createdAt).lastInsertRowid);
      applied = { ...op, id };
      break;
    }
    case 'insertOffer': {
      const id = Number(db.prepare(`INSERT INTO offers (lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at)
        VALUES (?, ?, 1, ?, ?, ?, ?, ?)`).run(op.leadId, op.agentId, op.direct ? 1 : 0, op.state, op.offeredAt, op.expiresAt, op.respondedAt)
        .lastInsertRowid);
      applied = { ...op, id };
      break;
    }
    case 'answerOffer':
      db.prepare('UPDATE offers SET state = ?, responded_at = ? WHERE id = ?').run(op.state, op.respondedAt, op.id);
      break;
    case 'setLeadState':
      db.prepare('UPDATE leads SET state = ?, status_code_id = ? WHERE id = ?').run(op.state, op.statusCodeId, op.id);
      break;
    case 'moveLead':
      db.prepare('UPDATE leads SET source_id = ?, created_at = ? WHERE id = ?').run(op.sourceId, op.createdAt, op.id);
      break;
    case 'moveOffer':
      db.prepare('UPDATE offers SET agent_id = ?, offered_at = ?, responded_at = ? WHERE id = ?')
        .run(op.agentId, op.offeredAt, op.respondedAt, op.id);
      break;
    case 'deleteOffer':
      db.prepare('DELETE FROM offers WHERE id = ?').run(op.id);
      break;
    case 'deleteLead':
      db.prepare('DELETE FROM leads WHERE id = ?').run(op.id);
      break;
    case 'setLeadsCreatedIn':
      db.prepare('UPDATE leads SET state = ?, status_code_id = ? WHERE created_at >= ? AND created_at < ?')
        .run(op.state, op.statusCodeId, op.from, op.to);
      break;
    case 'listPeriod':
      db.prepare('INSERT OR IGNORE INTO rollup_periods (span_days, period) VALUES (?, ?)').run(op.spanDays, op.period);
      break;
  }
  f.log?.push(applied);
  return applied.kind === 'insertLead' || applied.kind === 'insertOffer' ? applied.id : 0;
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
  const statusCodeId = r.next() < 0.1 ? null : r.pick(f.codes);
  return write(f, { kind: 'insertLead', id: 0, sourceId: r.pick(f.sourceIds), state, statusCodeId, createdAt: at });
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
  const agentId = r.pick(f.agentIds);
  const insert = (direct: boolean, state: string, expiresAt: number, respondedAt: number | null) =>
    write(f, { kind: 'insertOffer', id: 0, leadId, agentId, direct, state, offeredAt, expiresAt, respondedAt });
  const kind = r.int(10);
  if (kind === 0) {
    // Auto-accepted direct offer: never counted.
    insert(true, oneWinner(f.sqlite, leadId, 'ACCEPTED'), offeredAt, offeredAt);
  } else if (kind === 1) {
    // Direct offer still open, or answered later.
    const state = oneWinner(f.sqlite, leadId, r.pick(['PENDING', 'ACCEPTED', 'DECLINED']));
    insert(true, state, offeredAt + DAY, state === 'PENDING' ? null : offeredAt + 1000 + responseMs(r, wholeSecondsOnly));
  } else {
    const state = oneWinner(f.sqlite, leadId, r.pick(['PENDING', 'ACCEPTED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN']));
    insert(false, state, offeredAt + 900_000, state === 'PENDING' ? null : offeredAt + responseMs(r, wholeSecondsOnly));
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

/**
 * `n` random changes of every kind the triggers must follow: answers, lead state, source and day, offers
 * moved to another agent and day, deletes (a lead's delete cascades to its offers), new leads. The
 * caller chooses the transaction.
 */
export function changeRandomly(f: StatsFixture, r: Random, n: number): void {
  const { sqlite } = f;
  const ids = (sql: string) => sqlite.prepare(sql).pluck().all() as number[];
  const one = <T>(sql: string, id: number) => sqlite.prepare(sql).get(id) as T;
  for (let i = 0; i < n; i++) {
    const kind = r.int(8);
    if (kind <= 1) {
      const pending = ids("SELECT id FROM offers WHERE state = 'PENDING' ORDER BY id");
      if (pending.length === 0) continue;
      const id = r.pick(pending);
      const { leadId, offeredAt } = one<{ leadId: number; offeredAt: number }>('SELECT lead_id AS leadId, offered_at AS offeredAt FROM offers WHERE id = ?', id);
      const state = oneWinner(sqlite, leadId, r.pick(['ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN']), id);
      write(f, { kind: 'answerOffer', id, state, respondedAt: offeredAt + responseMs(r, false) });
    } else if (kind === 2) {
      const state = r.pick(['ROUTING', 'ASSIGNED', 'UNASSIGNED']);
      const statusCodeId = r.next() < 0.2 ? null : r.pick(f.codes);
      const id = r.pick(ids('SELECT id FROM leads'));
      if (id !== undefined) write(f, { kind: 'setLeadState', id, state, statusCodeId });
    } else if (kind === 3) {
      const sourceId = r.pick(f.sourceIds);
      const by = (r.int(200) - 100) * DAY;
      const id = r.pick(ids('SELECT id FROM leads'));
      if (id !== undefined) {
        const { createdAt } = one<{ createdAt: number }>('SELECT created_at AS createdAt FROM leads WHERE id = ?', id);
        write(f, { kind: 'moveLead', id, sourceId, createdAt: createdAt + by });
      }
    } else if (kind === 4) {
      // Moved to another agent and day; an auto-accepted direct offer may become a real one.
      const by = (r.int(100) - 50) * DAY;
      const agentId = r.pick(f.agentIds);
      const respondedBy = by + r.int(5000);
      const id = r.pick(ids('SELECT id FROM offers'));
      if (id !== undefined) {
        const o = one<{ offeredAt: number; respondedAt: number | null }>('SELECT offered_at AS offeredAt, responded_at AS respondedAt FROM offers WHERE id = ?', id);
        write(f, { kind: 'moveOffer', id, agentId, offeredAt: o.offeredAt + by, respondedAt: o.respondedAt === null ? null : o.respondedAt + respondedBy });
      }
    } else if (kind === 5) {
      const id = r.pick(ids('SELECT id FROM offers'));
      if (id !== undefined) write(f, { kind: 'deleteOffer', id });
    } else if (kind === 6) {
      // Deleting a lead deletes its offers (ON DELETE CASCADE): their triggers run too.
      const id = r.pick(ids('SELECT id FROM leads'));
      if (id !== undefined) write(f, { kind: 'deleteLead', id });
    } else {
      const at = T0 + r.int(SPAN_DAYS * DAY);
      insertOffer(f, r, insertLead(f, r, at), at, false);
    }
  }
}
