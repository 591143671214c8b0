// What every PostgreSQL store is made from: a PgContext, the executor its statements run on (the pool,
// or one open transaction) and the state shared by every context of one store (the roster cache).
// Store modules export `createXStore(ctx: PgContext): XStore` and are made per context (pg-store.ts),
// so a store reached through a transaction's `tx` runs every statement in that transaction.
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { AgentSnapshot } from '../../domain/routing.js';
import type { Rotation, RotationRefusal } from '../port.js';
import type { WebhookRow } from '../rows.js';
import type * as schema from './schema.js';

export type PgSchema = typeof schema;
/** The pool's drizzle database or an open transaction: both run statements the same way. */
export type PgExecutor = PgDatabase<NodePgQueryResultHKT, PgSchema, ExtractTablesWithRelations<PgSchema>>;

/** The channel every instance LISTENs on (pg-store.ts); payloads are written by signalPayload. */
export const SIGNAL_CHANNEL = 'leadrace';

/** The RosterCache entry of a user's row (identity-store.ts findUsers, primed by lead-store.ts loadRoster). */
export const userEntryKey = (id: number): string => `user:${id}`;

/**
 * What routing reads for every lead and admins change rarely, cached per store: the roster, and (keyed)
 * each lead source with its offices, a lead group's members, the default status code, users' rows and
 * the holders of tokens that work (identity-store.ts). Any instance
 * that changes one of them sends a 'roster' signal in the same transaction (NOTIFY is delivered at
 * commit, never for a rollback), and every instance drops its whole copy on it. This instance drops
 * its own at its commit, before the caller hears of it; while it is not listening (the listening
 * connection is down) nothing is cached at all. Without the cache a routed lead read its source three
 * times and its offices three times: six of its 34 round trips (scripts/bench/pg-write-path.ts).
 */
export class RosterCache {
  private cached: readonly AgentSnapshot[] | null = null;
  private readonly entries = new Map<string, unknown>();
  /** Roster writes inside transactions not ended yet: they may still roll back. */
  private unsettled = 0;
  /** Set by the listener: only while signals from other instances arrive may a copy be kept. */
  listening = false;

  /** Counts invalidations, so that a load overtaken by one keeps nothing. */
  private generation = 0;

  invalidate(): void {
    this.cached = null;
    this.entries.clear();
    this.generation++;
  }

  /** A transaction wrote the roster: nothing is cached until it ends (`settled`). */
  writing(): void {
    this.unsettled++;
    this.invalidate();
  }

  settled(): void {
    this.unsettled--;
    this.invalidate();
  }

  /** Whether a value loaded since `generation` may be kept: no write unsettled, signals heard, no invalidation since. */
  private keepable(generation: number): boolean {
    return this.unsettled === 0 && this.listening && generation === this.generation;
  }

  /**
   * The roster, or `load`'s (kept when it may be), with the `entries` it read on the way (the agents'
   * user rows, under userEntryKey), kept with it: what a round's offers are written to is then cached
   * from the first lead after every roster signal, not read agent by agent.
   */
  async get(load: () => Promise<{ roster: readonly AgentSnapshot[]; entries: Iterable<readonly [string, unknown]> }>): Promise<readonly AgentSnapshot[]> {
    if (this.cached) return this.cached;
    const generation = this.generation;
    const { roster, entries } = await load();
    // A signal that arrived while loading may mean the rows read are already old: keep nothing then.
    if (this.keepable(generation)) {
      this.cached = roster;
      for (const [key, value] of entries) this.entries.set(key, value);
    }
    return roster;
  }

  /**
   * The value cached under `key`, or `load`'s (kept when it may be). A null result is not kept: what
   * does not exist yet may be created by another instance without a signal (a new source's first read).
   */
  async entry<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const generation = this.generation;
    const value = await load();
    if (value !== null && this.keepable(generation)) this.entries.set(key, value);
    return value;
  }

  /**
   * The values of `ids` cached under `keyOf(id)`, the missing ones loaded together by one `load` (given
   * the missing ids) and kept when they may be. An id `load` leaves out is absent, and not kept.
   */
  async entriesOf<T>(ids: readonly number[], keyOf: (id: number) => string, load: (missing: readonly number[]) => Promise<Map<number, T>>): Promise<Map<number, T>> {
    const found = new Map<number, T>();
    const missing: number[] = [];
    for (const id of ids) {
      const key = keyOf(id);
      if (this.entries.has(key)) found.set(id, this.entries.get(key) as T);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const generation = this.generation;
    const loaded = await load(missing);
    const keep = this.keepable(generation);
    for (const [id, value] of loaded) {
      found.set(id, value);
      if (keep) this.entries.set(keyOf(id), value);
    }
    return found;
  }
}

/**
 * A list read often and changed rarely (the webhooks), cached per store the way the roster is: any
 * instance that changes it sends a signal in the writing transaction, every instance drops its copy
 * on it, this one at its own commit; nothing is cached while a write of this instance is unsettled
 * or while the signal connection is down.
 */
export class ListenedCache<T> {
  private cached: T | null = null;
  private unsettled = 0;
  /** Bumped by every drop: a load that saw one meanwhile keeps nothing. */
  private generation = 0;
  listening = false;

  invalidate(): void {
    this.cached = null;
    this.generation++;
  }

  writing(): void {
    this.unsettled++;
    this.invalidate();
  }

  settled(): void {
    this.unsettled--;
    this.invalidate();
  }

  async get(load: () => Promise<T>): Promise<T> {
    if (this.cached !== null) return this.cached;
    const generation = this.generation;
    const value = await load();
    if (this.unsettled === 0 && this.listening && generation === this.generation) this.cached = value;
    return value;
  }
}

/** One transaction's first rounds whose rotation is checked at its commit (PgContext.rotationAtCommit). */
export interface RotationCommits {
  /** The rotation tickets (RoundWrite) of this transaction's rounds. */
  readonly own: Set<number>;
  /** Tells `listener`, once, that the transaction has ended (committed or not). */
  ended(listener: () => void): void;
}

/** State shared by every context of one store. */
export interface PgShared {
  /**
   * Per rotation ticket of a round whose transaction has not ended: settles once the round holds its
   * ticket's lock in PostgreSQL (its statement has been answered) or its transaction has ended. The round
   * planned after it sends its COMMIT only then (lead-store.ts, rotationCheck).
   */
  readonly rotationTickets: Map<number, Promise<void>>;
  /**
   * The first key of this store's ticket locks (pg_advisory_xact_lock(class, ticket)): random, so that
   * another process's tickets, numbered from 1 as well, are other locks.
   */
  readonly ticketLockClass: number;
  readonly roster: RosterCache;
  /** The webhook list (webhook-store.ts). */
  readonly webhooks: ListenedCache<readonly WebhookRow[]>;
  /** Identifies this instance in the signals it sends (its own come back to it, and are ignored). */
  readonly instanceId: string;
}

export interface PgContext {
  readonly db: PgExecutor;
  /** True inside a transaction (the port's, or one of `atomically`). */
  readonly inTransaction: boolean;
  /**
   * True in a transaction's own context (not a savepoint's, not outside one): statements may be
   * registered to go with its COMMIT (commit-batch.ts).
   */
  readonly commitBatch: boolean;
  /**
   * Set when a first round may check its source's rotation at the commit (lead-store.ts, writeRound):
   * in a transaction's own context, until a check there has found the rotation moved (the transaction
   * is then run again, and its rounds check at once). Null everywhere else.
   */
  readonly rotationAtCommit: RotationCommits | null;
  /**
   * True in a transaction's own context on its first run: a round written as the transaction's last
   * write may commit with its statement (RoundWrite.commit, lead-store.ts writeRound). A run after a
   * rotation was found moved writes its rounds as usual, checking at once.
   */
  readonly commitWithRound: boolean;
  readonly shared: PgShared;
  /**
   * Runs `fn` in one transaction: this context's own when it is in one, else a new one on the pool.
   * For store methods that write several statements as one change.
   */
  atomically<T>(fn: (ctx: PgContext) => Promise<T>): Promise<T>;
  /**
   * Something RosterCache holds changed (users or their offices, a source or its offices, a lead group's
   * members, the default status code): every instance drops its cache at this transaction's commit (or
   * at once, outside a transaction). Call after the write, on the same context.
   */
  rosterChanged(): Promise<void>;
  /** The webhook list changed: every instance drops its copy at this transaction's commit (as rosterChanged). */
  webhooksChanged(): Promise<void>;
}

/** node-postgres error codes the store reacts to. */
export const PgErrorCode = {
  UNIQUE_VIOLATION: '23505',
  SERIALIZATION_FAILURE: '40001',
  DEADLOCK_DETECTED: '40P01',
  /**
   * leadrace's own: a first round's source rotation moved before its commit. Raised by the check sent
   * with the COMMIT (drizzle/postgres/0010_rotation_checked_at_commit.sql), or here, by RotationMovedError.
   */
  ROTATION_MOVED: 'LR001',
} as const;

/**
 * A first round refused with ROTATION_MOVED, so that the store runs the transaction again (pg-store.ts
 * retryReason). Either its COMMIT was not sent: the round was planned from the rotation a round planned
 * before it would leave, and that round's statement was not answered in time for this one's check to wait
 * for it (lead-store.ts rotationCheck). Or its statement, committing with it, found the rotation moved:
 * `rotationNow` is the rotation as it found it, under the source row's lock (RotationRefusal).
 */
export class RotationMovedError extends Error implements RotationRefusal {
  readonly code = PgErrorCode.ROTATION_MOVED;
  constructor(sourceId: number, readonly rotationNow: Rotation | null = null, cause?: unknown) {
    super(rotationNow
      ? `lead source ${sourceId}'s rotation moved since this round was planned`
      : `lead source ${sourceId}'s rotation was planned from a round whose statement was not answered in time`,
    cause === undefined ? undefined : { cause });
  }
}

/**
 * The first string field `field` along a node-postgres error and its causes (drizzle wraps it as
 * `cause`) that `accepts`, or null.
 */
function pgErrorField(err: unknown, field: 'code' | 'detail', accepts: (value: string) => boolean): string | null {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const value = (e as Record<string, unknown>)[field];
    if (typeof value === 'string' && accepts(value)) return value;
  }
  return null;
}

/** The DETAIL of a node-postgres error, or null. */
export function pgErrorDetail(err: unknown): string | null {
  return pgErrorField(err, 'detail', (detail) => detail !== '');
}

/** The SQLSTATE of a node-postgres error, or null. */
export function pgErrorCode(err: unknown): string | null {
  return pgErrorField(err, 'code', (code) => /^[0-9A-Z]{5}$/.test(code));
}
