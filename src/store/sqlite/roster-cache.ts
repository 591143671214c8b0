// The routing roster (every agent with their offices) cached per database: it is read for every
// lead routed, and changes only when a user or their offices change. Reloading it per lead was
// 27% of the server's CPU time at 100 leads/s with 1,000 agents (scripts/bench, issue 6).
// The identity store, the only writer of users and user_offices, calls rosterChanged() on every
// such write; anything that writes those tables another way must call it too.
import type { AgentSnapshot } from '../../domain/routing.js';
import type { SqliteConnection } from './connection.js';

interface RosterState {
  cached: readonly AgentSnapshot[] | null;
  /** Writes inside transactions that have not ended yet: they may still roll back. */
  unsettled: number;
}

const states = new WeakMap<SqliteConnection, RosterState>();

function stateOf(conn: SqliteConnection): RosterState {
  let s = states.get(conn);
  if (!s) {
    s = { cached: null, unsettled: 0 };
    states.set(conn, s);
  }
  return s;
}

/** A user or their offices changed: the next roster read goes to the database. */
export function rosterChanged(conn: SqliteConnection): void {
  const s = stateOf(conn);
  s.cached = null;
  // Until this transaction ends, a roster read may see rows it could still roll back: serve those
  // reads fresh and cache nothing. (Reads from outside wait for the transaction: connection.ts.)
  const inTransaction = conn.whenTransactionEnds(() => {
    s.unsettled--;
    s.cached = null;
  });
  if (inTransaction) s.unsettled++;
}

/** The cached roster, or `load()`'s result (cached when no write is in flight). */
export function cachedRoster(conn: SqliteConnection, load: () => AgentSnapshot[]): readonly AgentSnapshot[] {
  const s = stateOf(conn);
  if (s.cached) return s.cached;
  // Shared by every routing round, so nobody may change it: the types say readonly. Not
  // Object.freeze: V8 reads frozen copies' fields about 10x slower, which made planRound over
  // 1,000 agents take 0.5 ms instead of 0.05 ms (scripts/bench intake profile, issue 6).
  const roster: readonly AgentSnapshot[] = load();
  if (s.unsettled === 0) s.cached = roster;
  return roster;
}
