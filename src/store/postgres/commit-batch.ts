// A transaction's two ends ride on its statements' round trips. node-postgres sends one statement per
// round trip, so a plain transaction costs two round trips more than its statements: BEGIN and COMMIT.
// On the routing path every round trip is latency before the offer, and on these machines' virtual CPUs
// each one costs about 100 µs of system calls on each side.
//
// - BEGIN goes with the first statement. drizzle's `begin` is answered here at once and not sent; the
//   transaction's first statement then carries it: its extended-protocol messages start with BEGIN's
//   own (Parse, Bind, Execute) and end with the one Sync, so PostgreSQL runs BEGIN, then the statement,
//   and answers both in one reply. A first statement sent as a simple query gets "begin;" in front of
//   its text. A transaction that sends nothing before its COMMIT or ROLLBACK sends nothing at all.
// - Statements registered with sendWithCommit go in the COMMIT's round trip: one simple query,
//   "<statements>; commit". PostgreSQL runs a simple query's statements in order and stops at the first
//   error, so a failing one leaves the COMMIT unrun and the transaction aborted: the query rejects and
//   the transaction is rolled back, as if the statement had failed on its own. The statements are whole
//   texts (a simple query has no parameters): values go in as literals, quoted by node-postgres's
//   escapeLiteral. Only a transaction's top-level context may register one (PgContext.commitBatch): a
//   savepoint rolled back would not take back what waits here. Statements registered `last` go after
//   the others, just before the COMMIT: a first round's check of its source's rotation, whose row lock
//   is then held only while the COMMIT runs (lead-store.ts, writeRound).
// - A COMMIT may have to wait for something first (waitBeforeCommit: the round planned before a first
//   round has to hold its ticket's lock, lead-store.ts rotationCheck). It is sent once that is settled;
//   refused, it is not sent at all and the caller's COMMIT rejects with the refusal (drizzle then rolls
//   the transaction back).
// - A transaction marked commitWithoutFlush (durability 'deferred') gets
//   "set local synchronous_commit to off" just before its COMMIT, in the same round trip: its COMMIT
//   returns without waiting for the WAL flush (flush-barrier.ts waits for it later, off the offer's
//   path). A transaction that sends nothing sends nothing for it either.
//
// The BEGIN is written into the statement's messages by the connection itself (its parse and bind, the
// calls node-postgres's Query makes to write them), so it rides with whichever statement that connection
// sends next, however node-postgres queues it. Where the BEGIN goes relative to the statement's Parse
// matters: an unnamed statement's Parse comes after BEGIN's (BEGIN is parsed as the unnamed statement
// too, which the statement's own Parse then replaces); a named statement's Parse comes first, so that
// node-postgres, which marks a name parsed at the first ParseComplete it reads, reads the statement's
// own. The answer holds BEGIN's result first: the caller gets the statement's alone.
import type pg from 'pg';

const PENDING = Symbol('leadrace.sendWithCommit');
/** What the next COMMIT waits for (waitBeforeCommit). */
const GATES = Symbol('leadrace.waitBeforeCommit');
/** A BEGIN asked for and not sent yet: the connection's next statement carries it. */
const OWED = Symbol('leadrace.beginOwed');
/** The open transaction commits without waiting for the WAL flush (commitWithoutFlush). */
const NO_FLUSH = Symbol('leadrace.commitWithoutFlush');
/** The connection's next statement carries the COMMIT (commitWithNext). */
const COMMIT_NEXT = Symbol('leadrace.commitWithNext');
/** The open transaction was committed by a statement that carried its COMMIT: nothing more may be sent in it. */
const COMMITTED = Symbol('leadrace.committedWithStatement');
/** What a COMMIT of a transaction marked NO_FLUSH sends first. */
const NO_FLUSH_STATEMENT = 'set local synchronous_commit to off';

/** A statement waiting for the COMMIT, and who is told its result once the COMMIT has answered. */
interface Waiting {
  statement: string;
  answered?: (result: pg.QueryResult) => void;
  last?: boolean;
}

/** A COMMIT may be sent once `until` resolves true; false: `refusal()` is the COMMIT's error instead. */
interface Gate {
  until: Promise<boolean>;
  refusal: () => Error;
}

interface Batching {
  [PENDING]?: Waiting[];
  [GATES]?: Gate[];
  [OWED]?: boolean;
  [NO_FLUSH]?: boolean;
  [COMMIT_NEXT]?: boolean;
  [COMMITTED]?: boolean;
}

/**
 * Registers `statement` to run just before the open transaction on `client` commits, in the same round
 * trip. `answered` is given its result once the COMMIT has succeeded (before the caller of COMMIT hears
 * of it); it is not called when the transaction fails or rolls back. Statements run in the order they
 * were registered, except that those registered `last` run after all the others.
 */
export function sendWithCommit(client: pg.PoolClient, statement: string, answered?: (result: pg.QueryResult) => void, last = false): void {
  const c = client as unknown as Batching;
  (c[PENDING] ??= []).push({ statement, ...(answered ? { answered } : {}), ...(last ? { last } : {}) });
}

/**
 * The open transaction on `client` sends its COMMIT only once `until` resolves true; if it resolves
 * false, the COMMIT is not sent and rejects with `refusal()`.
 */
export function waitBeforeCommit(client: pg.PoolClient, until: Promise<boolean>, refusal: () => Error): void {
  const c = client as unknown as Batching;
  (c[GATES] ??= []).push({ until, refusal });
}

/**
 * The open transaction on `client` commits without waiting for its WAL to be flushed to disk
 * (synchronous_commit off for this transaction alone): visible to everyone at once, durable once the
 * WAL is flushed, which a later commit that waits for its flush does for every commit before it.
 */
export function commitWithoutFlush(client: pg.PoolClient): void {
  (client as unknown as Batching)[NO_FLUSH] = true;
}

/**
 * The next statement sent on `client` in its open transaction carries the transaction's COMMIT: after
 * its Execute go the COMMIT's own messages (after "set local synchronous_commit to off" when the
 * transaction commits without the flush), before the one Sync, so the statement and the COMMIT are one
 * round trip. PostgreSQL runs them in order; a statement that fails skips the COMMIT (everything up to
 * the Sync is skipped after an error), leaving the transaction aborted for the caller's ROLLBACK. The
 * caller gets the statement's own result. From then on the transaction's COMMIT and ROLLBACK are
 * answered here without being sent, and any other statement is refused: it would run outside the
 * transaction.
 *
 * False, and nothing marked, when the transaction has statements waiting for its COMMIT
 * (sendWithCommit) or a COMMIT that must wait (waitBeforeCommit): it then commits as usual. The next
 * statement must be sent with parameters (the extended protocol); a simple query is refused.
 */
export function commitWithNext(client: pg.PoolClient): boolean {
  const c = client as unknown as Batching;
  if ((c[PENDING]?.length ?? 0) > 0 || (c[GATES]?.length ?? 0) > 0 || c[COMMITTED]) return false;
  c[COMMIT_NEXT] = true;
  return true;
}

/** The statements waiting for the COMMIT on `c`, in the order they run, and none left waiting. */
function takeWaiting(c: Batching): Waiting[] {
  const waiting = c[PENDING] ?? [];
  c[PENDING] = [];
  return waiting.some((w) => w.last) ? [...waiting.filter((w) => !w.last), ...waiting.filter((w) => w.last)] : waiting;
}

/**
 * Calls `inner` with `config` and the caller's other arguments, handing the caller `map` of a successful
 * answer: through its callback if it gave one, else through the promise.
 */
function relay(inner: Query, config: unknown, rest: unknown[], map: (result: unknown) => unknown): unknown {
  const callbackAt = rest.findIndex((r) => typeof r === 'function');
  if (callbackAt < 0) return (inner(config, ...rest) as Promise<unknown>).then(map);
  const callback = rest[callbackAt] as Callback;
  const args = [...rest];
  args[callbackAt] = (err: Error | null, result?: unknown) => callback(err, err ? result : map(result));
  return inner(config, ...args);
}

/** Sends `text` (the waiting statements, then COMMIT) and tells each waiting statement its result. */
function commitWith(inner: Query, text: string, waiting: Waiting[], skip: number, rest: unknown[]): unknown {
  return relay(inner, text, rest.filter((r) => typeof r === 'function'), (results) => {
    const all = Array.isArray(results) ? results as pg.QueryResult[] : [];
    waiting.forEach((w, i) => {
      const result = all[skip + i];
      if (w.answered && result) w.answered(result);
    });
    return results;
  });
}

/** The node-postgres connection calls a Query makes to write its extended-protocol messages. */
interface Wire {
  parse(query: { text: string; name?: string; types?: unknown[] }): void;
  bind(config: Record<string, unknown>): void;
  execute(config: Record<string, unknown>): void;
}

type Callback = (err: Error | null, result?: unknown) => void;
type Query = (config: unknown, ...rest: unknown[]) => unknown;

const textOf = (config: unknown): string | null =>
  typeof config === 'object' && config !== null && typeof (config as { text?: unknown }).text === 'string'
    ? (config as { text: string }).text
    : typeof config === 'string' ? config : null;

/** The answer of a statement not sent, in node-postgres's shape. */
const notSent = (command: string) => ({ command, rowCount: null, oid: null, rows: [], fields: [] });

const commandOf = (r: unknown): unknown => (r as { command?: unknown } | null)?.command;
const isBegin = (r: unknown): boolean => commandOf(r) === 'BEGIN';

/** A statement's answer without BEGIN's result in front of it (one result, or the rest of several). */
function withoutBegin(result: unknown): unknown {
  if (!Array.isArray(result) || !isBegin(result[0])) return result;
  return result.length === 2 ? result[1] : result.slice(1);
}

/** A statement's answer without the results of the COMMIT it carried (and the SET before it) at its end. */
function withoutCommit(result: unknown): unknown {
  if (!Array.isArray(result) || commandOf(result[result.length - 1]) !== 'COMMIT') return result;
  const end = commandOf(result[result.length - 2]) === 'SET' ? result.length - 2 : result.length - 1;
  return end === 1 ? result[0] : result.slice(0, end);
}

/** Makes every connection the pool opens send BEGIN with its first statement and its registered statements with its COMMIT. */
export function batchAtCommit(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const c = client as unknown as Batching & { query: Query; connection: Wire };
    const wire = c.connection;
    const parse = wire.parse.bind(wire);
    const bind = wire.bind.bind(wire);
    const execute = wire.execute.bind(wire);
    const begin = () => {
      c[OWED] = false;
      parse({ text: 'BEGIN' });
      bind({});
      execute({});
    };
    wire.parse = (query) => {
      if (!c[OWED]) return parse(query);
      if (query.name) {
        parse(query);
        begin();
      } else {
        begin();
        parse(query);
      }
    };
    wire.bind = (config) => {
      if (c[OWED]) begin();
      bind(config);
    };
    wire.execute = (config) => {
      execute(config);
      if (!c[COMMIT_NEXT]) return;
      c[COMMIT_NEXT] = false;
      if (c[NO_FLUSH]) {
        c[NO_FLUSH] = false;
        parse({ text: NO_FLUSH_STATEMENT });
        bind({});
        execute({});
      }
      parse({ text: 'COMMIT' });
      bind({});
      execute({});
    };

    // Whatever query is installed by now (statement-names.ts wraps it first), called at each use.
    const inner = c.query.bind(client) as Query;
    /** The answer to a call, by its callback if it gave one, else as a promise. */
    const answer = (rest: unknown[], result: unknown): unknown => {
      const callback = rest.find((r): r is Callback => typeof r === 'function');
      if (!callback) return Promise.resolve(result);
      process.nextTick(() => callback(null, result));
      return undefined;
    };
    /** Sends a statement that carries the BEGIN, handing its caller the statement's own answer. */
    const carrying = (config: unknown, rest: unknown[]): unknown => relay(inner, config, rest, withoutBegin);

    c.query = (config, ...rest) => {
      const text = textOf(config)?.trim().toLowerCase();
      if (c[COMMITTED]) {
        // The transaction committed with a statement (commitWithNext): its end is answered here.
        if (text === 'commit' || text === 'rollback') {
          c[COMMITTED] = false;
          c[PENDING] = [];
          c[GATES] = [];
          return answer(rest, notSent(text.toUpperCase()));
        }
        throw new Error('a statement was sent after its transaction committed with an earlier one (commitWithNext)');
      }
      // A transaction ending before the statement marked to carry its COMMIT was sent ends as usual.
      if (c[COMMIT_NEXT] && (text === 'commit' || text === 'rollback')) c[COMMIT_NEXT] = false;
      if (c[COMMIT_NEXT]) {
        // This statement carries the COMMIT (wire.execute above): its caller gets its own result.
        const { submit, name, queryMode } = (typeof config === 'object' && config !== null ? config : {}) as { submit?: unknown; name?: unknown; queryMode?: unknown };
        const values = Array.isArray(rest[0]) ? rest[0] : (config as { values?: unknown } | null)?.values;
        if (typeof submit === 'function' || !((Array.isArray(values) && values.length > 0) || typeof name === 'string' || queryMode === 'extended')) {
          c[COMMIT_NEXT] = false;
          throw new Error('a statement carrying its transaction\'s COMMIT must be sent with parameters (commitWithNext)');
        }
        // Answered, the statement and the COMMIT succeeded; failed, the transaction is aborted or over,
        // and the caller's ROLLBACK is sent as usual.
        const owed = c[OWED] === true;
        return relay(inner, config, rest, (r) => {
          c[COMMITTED] = true;
          return withoutCommit(owed ? withoutBegin(r) : r);
        });
      }
      if (text === 'begin') {
        c[OWED] = true;
        return answer(rest, notSent('BEGIN'));
      }
      if (text === 'commit' && (c[GATES]?.length ?? 0) > 0) {
        const gates = c[GATES] ?? [];
        c[GATES] = [];
        const sent = (async () => {
          for (const gate of gates) if (!await gate.until) throw gate.refusal();
          return c.query(config, ...rest.filter((r) => typeof r !== 'function'));
        })();
        const callback = rest.find((r): r is Callback => typeof r === 'function');
        if (!callback) return sent;
        sent.then((result) => callback(null, result), (err: Error) => callback(err));
        return undefined;
      }
      if (text === 'commit') {
        const waiting = takeWaiting(c);
        const noFlush = c[NO_FLUSH] === true;
        c[NO_FLUSH] = false;
        if (noFlush) waiting.unshift({ statement: NO_FLUSH_STATEMENT });
        const statements = waiting.map((w) => w.statement).join(';\n');
        if (c[OWED]) {
          // Nothing was sent in this transaction but what waits for the COMMIT (if anything).
          c[OWED] = false;
          if (waiting.length === (noFlush ? 1 : 0)) return answer(rest, notSent('COMMIT'));
          return commitWith(inner, `begin;\n${statements};\ncommit`, waiting, 1, rest);
        }
        // A simple query (no parameters): several statements in one round trip.
        if (waiting.length > 0) return commitWith(inner, `${statements};\ncommit`, waiting, 0, rest);
        return inner(config, ...rest);
      }
      if (text === 'rollback') {
        c[PENDING] = [];
        c[GATES] = [];
        c[NO_FLUSH] = false;
        if (c[OWED]) {
          c[OWED] = false;
          return answer(rest, notSent('ROLLBACK'));
        }
        return inner(config, ...rest);
      }
      if (!c[OWED]) return inner(config, ...rest);
      const values = Array.isArray(rest[0]) ? rest[0] : (config as { values?: unknown } | null)?.values;
      const { submit, name, queryMode } = (typeof config === 'object' && config !== null ? config : {}) as { submit?: unknown; name?: unknown; queryMode?: unknown };
      const submittable = typeof submit === 'function';
      if (!submittable && ((Array.isArray(values) && values.length > 0) || typeof name === 'string' || queryMode === 'extended')) {
        // Parameters: the extended protocol, whose Parse or Bind writes the BEGIN first (above).
        return carrying(config, rest);
      }
      if (!submittable && text !== undefined && text !== null) {
        // A simple query: BEGIN in front of its text.
        c[OWED] = false;
        const prefixed = `begin;\n${textOf(config) ?? ''}`;
        return carrying(typeof config === 'string' ? prefixed : { ...(config as object), text: prefixed }, rest);
      }
      // Anything else (a submittable such as a cursor): BEGIN on its own first.
      c[OWED] = false;
      const callbackAt = rest.findIndex((r) => typeof r === 'function');
      if (callbackAt >= 0) {
        const callback = rest[callbackAt] as Callback;
        inner('begin', (err: Error | null) => {
          if (err) callback(err);
          else inner(config, ...rest);
        });
        return submittable ? config : undefined;
      }
      return (inner('begin') as Promise<unknown>).then(() => inner(config, ...rest));
    };
  });
  // A connection goes back to the pool with nothing waiting (a transaction that ended some other way).
  pool.on('release', (_err: unknown, client: pg.PoolClient) => {
    const c = client as unknown as Batching;
    c[PENDING] = [];
    c[GATES] = [];
    c[OWED] = false;
    c[NO_FLUSH] = false;
    c[COMMIT_NEXT] = false;
    c[COMMITTED] = false;
  });
}
