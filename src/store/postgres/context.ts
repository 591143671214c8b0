// What every PostgreSQL store is made from: a PgContext, the executor its statements run on (the pool,
// or one open transaction) and the state shared by every context of one store (the roster cache).
// Store modules export `createXStore(ctx: PgContext): XStore` and are made per context (pg-store.ts),
// so a store reached through a transaction's `tx` runs every statement in that transaction.
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { AgentSnapshot } from '../../domain/routing.js';
import type { WebhookRow } from '../rows.js';
import type * as schema from './schema.js';

export type PgSchema = typeof schema;
/** The pool's drizzle database or an open transaction: both run statements the same way. */
export type PgExecutor = PgDatabase<NodePgQueryResultHKT, PgSchema, ExtractTablesWithRelations<PgSchema>>;

/** The channel every instance LISTENs on (pg-store.ts); payloads are written by signalPayload. */
export const SIGNAL_CHANNEL = 'leadrace';

/**
 * The routing roster cached per store: read for every lead routed, changed only when a user or their
 * offices change. Any instance that changes them sends a 'roster' signal in the same transaction
 * (NOTIFY is delivered at commit, never for a rollback), and every instance drops its copy on it.
 * This instance drops its own at its commit, before the caller hears of it; while it is not
 * listening (the listening connection is down) nothing is cached at all.
 */
export class RosterCache {
  private cached: readonly AgentSnapshot[] | null = null;
  /** Roster writes inside transactions not ended yet: they may still roll back. */
  private unsettled = 0;
  /** Set by the listener: only while signals from other instances arrive may a copy be kept. */
  listening = false;

  invalidate(): void {
    this.cached = null;
  }

  /** A transaction wrote the roster: nothing is cached until it ends (`settled`). */
  writing(): void {
    this.unsettled++;
    this.cached = null;
  }

  settled(): void {
    this.unsettled--;
    this.cached = null;
  }

  async get(load: () => Promise<AgentSnapshot[]>): Promise<readonly AgentSnapshot[]> {
    if (this.cached) return this.cached;
    const roster: readonly AgentSnapshot[] = await load();
    // A signal that arrived while loading may mean the rows read are already old: keep nothing then.
    if (this.unsettled === 0 && this.listening && this.cached === null) this.cached = roster;
    return roster;
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

/** State shared by every context of one store. */
export interface PgShared {
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
  readonly shared: PgShared;
  /**
   * Runs `fn` in one transaction: this context's own when it is in one, else a new one on the pool.
   * For store methods that write several statements as one change.
   */
  atomically<T>(fn: (ctx: PgContext) => Promise<T>): Promise<T>;
  /**
   * The users or their offices changed: every instance drops its roster at this transaction's commit
   * (or at once, outside a transaction). Call after the write, on the same context.
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
} as const;

/** The SQLSTATE of a node-postgres error (drizzle wraps it as `cause`), or null. */
export function pgErrorCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}
