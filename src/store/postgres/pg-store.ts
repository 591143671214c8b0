// The store port on PostgreSQL: a pool of node-postgres connections through drizzle, migrated at
// open (migrate.ts: once, however many instances start together), and one more connection that
// LISTENs for the signals instances send one another (roster changes, cluster signals).
//
// Transactions are plain READ COMMITTED transactions on a pooled connection. There is no group
// commit here: concurrent changes run in concurrent transactions, and PostgreSQL itself shares WAL
// flushes between commits that arrive together. Savepoints exist (StoreTx.savepoint) but the hot
// path does not open them (a savepoint is a subtransaction; see services/lead-changes.ts). A deferred
// transaction (TransactionOptions.durability) commits without waiting for its WAL flush, and
// durable() waits for one flush barrier covering it and every other before it (flush-barrier.ts).
//
// Locks are taken in one order everywhere so that two instances never deadlock on the routing path:
// a lead row first, then its offers, then its source's rotation (lead-store.ts). A transaction that
// still meets a deadlock or a serialization failure (an admin's bulk change crossing routing) is
// rolled back and run again, a few times, before the error passes on.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from 'pino';
import { rotationAtRefusal } from '../port.js';
import type {
  ClusterChannel, ClusterSignal, IdentityStore, IntakeSourceStore, LeadListStore, LeadStatsStore, LeadStore, LeadWorkStore,
  MaintenanceStore, NotificationStore, OrgStore, SourceStore, StatusStore, Store, Stores, StoreTx, TransactionOptions, WebhookStore,
} from '../port.js';
import { batchAtCommit, commitWithoutFlush } from './commit-batch.js';
import { FlushBarrier } from './flush-barrier.js';
import { clientOf } from './prebuilt.js';
import { nameHotStatements, StatementNames } from './statement-names.js';
import { ListenedCache, PgErrorCode, pgErrorCode, RosterCache, SIGNAL_CHANNEL, type PgContext, type PgExecutor, type PgShared, type RotationCommits } from './context.js';
import { MIGRATION_LOCK_KEY, migratePostgres } from './migrate.js';
import * as schema from './schema.js';
import { createIdentityStore } from './identity-store.js';
import { createIntakeSourceStore } from './intake-source-store.js';
import { createLeadListStore } from './lead-list-store.js';
import { createLeadStatsStore } from './lead-stats-store.js';
import { createLeadStore } from './lead-store.js';
import { createLeadWorkStore } from './lead-work-store.js';
import { createMaintenanceStore } from './maintenance-store.js';
import { createNotificationStore } from './notification-store.js';
import { createOrgStore } from './org-store.js';
import { createSourceStore } from './source-store.js';
import { createStatusStore } from './status-store.js';
import { createWebhookStore } from './webhook-store.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (DATABASE_POOL_SIZE). */
  poolSize?: number;
  logger?: Logger;
  /** How long after opening the store it may count itself alone on the database (Presence); tests shorten it. */
  presenceGraceMs?: number;
}

/** The PostgreSQL store, with its pool for tests and tools that read the tables directly. */
export interface PostgresStore extends Store {
  readonly dialect: 'postgres';
  readonly pool: pg.Pool;
  readonly db: PgExecutor;
  /** The deferred commits' flush (flush-barrier.ts). */
  readonly flushBarrier: FlushBarrier;
}

/** How often each instance says it is there (Presence), on SIGNAL_CHANNEL. */
const PRESENCE_HEARTBEAT_MS = 5000;
/** An instance heard within this long is taken to be still there. */
const PRESENCE_WINDOW_MS = 3 * PRESENCE_HEARTBEAT_MS;

/**
 * Whether this instance may be the only one on the database. First rounds check their source's rotation
 * at the commit only then (lead-store.ts writeRound; PgContext.rotationAtCommit): measured on one
 * instance, it lets a source's leads be written and committed at once instead of one after another. With
 * several instances each keeps checking at once, under the source row's lock taken by the round's
 * statement, as before: the multi-instance tests met deadlocks on the source row (PostgreSQL detected and
 * broke them; the transactions ran again) when rounds checked at the commit and rounds checked at once,
 * run again after a refusal, met on one source across instances. Each instance says it is there every
 * PRESENCE_HEARTBEAT_MS on the signal channel; one that hears another within PRESENCE_WINDOW_MS, has been
 * open less than the grace (it may not have heard the others yet), or is not listening, is not alone.
 */
class Presence {
  private readonly openedAt = performance.now();
  private otherHeardAt = Number.NEGATIVE_INFINITY;
  constructor(private readonly graceMs: number, private readonly listening: () => boolean) {}
  heard(): void {
    this.otherHeardAt = performance.now();
  }
  alone(): boolean {
    const now = performance.now();
    return this.listening() && now - this.openedAt >= this.graceMs && now - this.otherHeardAt >= PRESENCE_WINDOW_MS;
  }
}

/** How often a transaction that met a deadlock, a serialization failure or a unique violation is tried in all (retryReason). */
const MAX_ATTEMPTS = 5;

/** Payloads on SIGNAL_CHANNEL: who sent it, and what. */
interface SignalPayload {
  /** The sending instance. */
  i: string;
  /** 'roster', 'webhooks' (the list changed), 'here' (Presence), or a cluster signal. */
  s: 'roster' | 'webhooks' | 'here' | ClusterSignal;
}

/**
 * Why a transaction is run again from the start, or null. A unique violation is one of them: the
 * services check a name, an email or an external id and then insert it, in one transaction. SQLite runs
 * writers one at a time, so the check holds; here two transactions under READ COMMITTED can both pass
 * the check before either inserts, and the second insert fails on the unique index. Run again, its
 * check sees the committed row and says what it says on SQLite (CONFLICT on the field, or the lead that
 * already exists). A violation that is no such race fails the same way each time and is thrown after
 * the last attempt.
 */
const retryReason = (err: unknown): string | null => {
  switch (pgErrorCode(err)) {
    case PgErrorCode.DEADLOCK_DETECTED: return 'a deadlock';
    case PgErrorCode.SERIALIZATION_FAILURE: return 'a serialization failure';
    case PgErrorCode.UNIQUE_VIOLATION: return 'a unique violation (a row inserted by a concurrent transaction)';
    case PgErrorCode.ROTATION_MOVED: return 'a source rotation moved before its commit';
    default: return null;
  }
};

/**
 * Deadline passes run at once through a backlog of due offers (Store.deadlinePasses). A pass is a few
 * round trips, each answered a turn of a busy event loop later: one at a time fell behind the deadline
 * benchmark's storm (passes of 50 offers took 100-490 ms while intake was running; expiries were 1.2-1.6 s
 * late at p99 in the database on one instance). Three at once: 0.1-0.8 s, in three alternated pairs of
 * runs; five were no better than three. It needs the strikes counted at the commit (addMissedOffersAtCommit):
 * passes expiring offers of the same agents otherwise waited for each other's commit on the users' rows.
 */
const DEADLINE_PASSES = 3;

/**
 * Connections of the 'scheduled' lane (TransactionOptions.lane): the deadline scheduler's offer windows
 * (DEADLINE_PASSES at once) and contact deadlines (one pass at a time reclaims). And of its relaxed twin:
 * the notification and webhook outboxes, each of which runs one transaction at a time.
 */
const SCHEDULED_POOL_SIZE = DEADLINE_PASSES + 1;
const RELAXED_POOL_SIZE = 2;

/** Opens the store on the database at `url`, migrating it first (once across instances). */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const logger = options.logger;
  await migratePostgres(url);
  const names = new StatementNames();
  /** A pool of connections (one per lane) whose connections name their hot statements and batch at commit. */
  const lanePool = (max: number, config: pg.PoolConfig = {}): { pool: pg.Pool; db: PgExecutor } => {
    // Idle connections are kept (idleTimeoutMillis 0), not closed after 30 s: the pools grow in a burst
    // (the benchmark's seeding) and, 30 s after, closed most of their connections at once. Those backends'
    // exits stalled every lead in flight for 100-250 ms on the benchmark machine (one instance's speed to
    // lead, at 18.8 s into each run of the measured phase, in four runs of four). The pools are small
    // (DATABASE_POOL_SIZE, SCHEDULED_POOL_SIZE and RELAXED_POOL_SIZE), so what they keep open is bounded.
    const lane = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 0, ...config });
    nameHotStatements(lane, names);
    batchAtCommit(lane);
    // A pooled connection that dies while idle (the server restarted) must not crash the process.
    lane.on('error', (err) => logger?.warn({ err }, 'an idle PostgreSQL connection failed; the pool replaces it'));
    return { pool: lane, db: drizzle(lane, { schema }) };
  };
  const { pool, db } = lanePool(options.poolSize ?? 10);
  await seedDefaults(db);
  // The 'scheduled' lane (TransactionOptions.lane): deadlines, never queued behind requests.
  const { pool: scheduledPool, db: scheduledDb } = lanePool(SCHEDULED_POOL_SIZE);
  // Relaxed transactions (TransactionOptions.durability: the outboxes' bookkeeping, one or two per
  // message sent) on connections whose commits never wait for the WAL flush: no SET LOCAL round trip each.
  const { pool: relaxedPool, db: relaxedDb } = lanePool(RELAXED_POOL_SIZE, { options: '-c synchronous_commit=off' });
  // Deferred transactions commit without waiting for the WAL flush; durable() waits for it (flush-barrier.ts).
  const flushBarrier = new FlushBarrier(url, (err) => logger?.warn({ err }, 'the flush barrier\'s idle PostgreSQL connection failed; the pool replaces it'));

  const shared: PgShared = {
    roster: new RosterCache(), webhooks: new ListenedCache(), instanceId: randomBytes(6).toString('hex'), rotationTickets: new Map(),
    ticketLockClass: randomBytes(4).readInt32BE(0),
  };
  const clusterListeners: ((signal: ClusterSignal) => void)[] = [];
  const presence = new Presence(options.presenceGraceMs ?? PRESENCE_HEARTBEAT_MS + 1000, () => shared.roster.listening);
  const listener = new SignalListener(url, shared, presence, (signal) => {
    for (const l of clusterListeners) {
      try {
        l(signal);
      } catch (err) {
        logger?.error({ err }, 'a cluster signal listener failed');
      }
    }
  }, logger);
  await listener.start();

  const notify = (exec: PgExecutor, payload: SignalPayload) =>
    exec.execute(sql`SELECT pg_notify(${SIGNAL_CHANNEL}, ${JSON.stringify(payload)})`);
  const sayHere = () => {
    notify(db, { i: shared.instanceId, s: 'here' }).catch((err: unknown) => logger?.debug({ err }, 'could not say this instance is here'));
  };
  sayHere();
  const heartbeat = setInterval(sayHere, PRESENCE_HEARTBEAT_MS);
  heartbeat.unref();

  /** The context of one executor: the pool (outer), or a transaction with its end hooks. */
  function contextOf(exec: PgExecutor, tx: TxState | null, commitBatch = false): PgContext {
    const ctx: PgContext = {
      db: exec,
      inTransaction: tx !== null,
      commitBatch,
      rotationAtCommit: commitBatch ? tx?.rotation ?? null : null,
      commitWithRound: commitBatch && tx?.commitWithRound === true,
      shared,
      atomically: (fn) => (tx ? fn(ctx) : runTransaction((inner) => fn(inner.ctx))),
      async rosterChanged() {
        if (tx && !tx.rosterWritten) {
          tx.rosterWritten = true;
          shared.roster.writing();
        }
        // Inside a transaction PostgreSQL delivers it at commit (and never after a rollback).
        await notify(exec, { i: shared.instanceId, s: 'roster' });
        if (!tx) shared.roster.invalidate();
      },
      async webhooksChanged() {
        if (tx && !tx.webhooksWritten) {
          tx.webhooksWritten = true;
          shared.webhooks.writing();
        }
        await notify(exec, { i: shared.instanceId, s: 'webhooks' });
        if (!tx) shared.webhooks.invalidate();
      },
    };
    return ctx;
  }

  interface TxState {
    rosterWritten: boolean;
    webhooksWritten: boolean;
    ctx: PgContext;
    open: boolean;
    /** A transaction's own state (not a savepoint's) while its rounds may check their rotation at the commit. */
    rotation?: RotationCommits | null;
    /** A transaction's own state on its first run (PgContext.commitWithRound). */
    commitWithRound?: boolean;
  }

  /** A transaction's RotationCommits, and how to tell its listeners it has ended. */
  function rotationCommits(): { commits: RotationCommits; end: () => void } {
    const listeners: (() => void)[] = [];
    let over = false;
    return {
      commits: {
        own: new Set(),
        ended(listener) {
          if (over) listener();
          else listeners.push(listener);
        },
      },
      end() {
        over = true;
        for (const listener of listeners.splice(0)) listener();
      },
    };
  }

  /** One transaction on a pooled connection, run again on a deadlock, a serialization failure or a unique violation. */
  async function runTransaction<T>(fn: (state: TxState) => Promise<T>, options: TransactionOptions & { isolation?: 'repeatable read' } = {}): Promise<T> {
    const on = options.durability === 'relaxed' ? relaxedDb : options.lane === 'scheduled' ? scheduledDb : db;
    if (options.atomic === false) {
      // Each statement on a connection of the pool, committing on its own (TransactionOptions.atomic).
      const state: TxState = { rosterWritten: false, webhooksWritten: false, ctx: contextOf(on, null), open: true };
      try {
        return await fn(state);
      } finally {
        state.open = false;
      }
    }
    const deferred = options.durability === 'deferred';
    // Once a first round's rotation was found moved at the commit, the runs after it check at once.
    let rotationAtCommit = presence.alone();
    // A round may commit with its statement until two have been refused, or one checked at the commit:
    // a run after a refusal that said where the rotation is (RotationMovedError.rotationNow) plans from
    // there and is rarely refused again; after that, it is checked at once, the row locked until it commits.
    let roundCommits = true;
    let refusals = 0;
    for (let attempt = 1; ; attempt++) {
      const rotation = rotationAtCommit ? rotationCommits() : null;
      const state: TxState = {
        rosterWritten: false, webhooksWritten: false, ctx: null as unknown as PgContext, open: true, rotation: rotation?.commits ?? null,
        commitWithRound: roundCommits,
      };
      try {
        const result = await on.transaction(async (exec) => {
          state.ctx = contextOf(exec as PgExecutor, state, true);
          if (deferred) commitWithoutFlush(clientOf(exec as PgExecutor) as pg.PoolClient);
          if (options.exclusive) await exec.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`leadrace:${options.exclusive}`}))`);
          return fn(state);
        }, options.isolation ? { isolationLevel: options.isolation } : undefined);
        // Counted once its COMMIT has returned: a barrier begun from now on covers it.
        if (deferred) flushBarrier.committed();
        return result;
      } catch (err) {
        const reason = attempt < MAX_ATTEMPTS ? retryReason(err) : null;
        if (reason !== null) {
          if (pgErrorCode(err) === PgErrorCode.ROTATION_MOVED) {
            // Not a conflict to back off from: the next run plans from the rotation the refusal found, or
            // reads it under its lock.
            logger?.debug({ attempt }, `transaction met ${reason}; running it again`);
            rotationAtCommit = false;
            refusals++;
            roundCommits = refusals < 2 && rotationAtRefusal(err) !== null;
            continue;
          }
          logger?.warn({ err, attempt }, `transaction met ${reason}; running it again`);
          await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 10 * attempt));
          continue;
        }
        throw err;
      } finally {
        state.open = false;
        // The rounds planned after this transaction's stop waiting for its statements (before a retry begins).
        rotation?.end();
        if (state.rosterWritten) shared.roster.settled();
        if (state.webhooksWritten) shared.webhooks.settled();
      }
    }
  }

  /** The stores as one context reaches them, each made on first use. */
  class ContextStores implements Stores {
    private identityS?: IdentityStore;
    private orgS?: OrgStore;
    private sourcesS?: SourceStore;
    private intakeSourcesS?: IntakeSourceStore;
    private statusCodesS?: StatusStore;
    private leadsS?: LeadStore;
    private leadWorkS?: LeadWorkStore;
    private leadListS?: LeadListStore;
    private leadStatsS?: LeadStatsStore;
    private notificationsS?: NotificationStore;
    private webhooksS?: WebhookStore;
    private maintenanceS?: MaintenanceStore;

    constructor(protected readonly ctx: PgContext) {}

    get identity(): IdentityStore { return this.identityS ??= createIdentityStore(this.ctx); }
    get org(): OrgStore { return this.orgS ??= createOrgStore(this.ctx); }
    get sources(): SourceStore { return this.sourcesS ??= createSourceStore(this.ctx); }
    get intakeSources(): IntakeSourceStore { return this.intakeSourcesS ??= createIntakeSourceStore(this.ctx); }
    get statusCodes(): StatusStore { return this.statusCodesS ??= createStatusStore(this.ctx); }
    get leads(): LeadStore { return this.leadsS ??= createLeadStore(this.ctx); }
    get leadWork(): LeadWorkStore { return this.leadWorkS ??= createLeadWorkStore(this.ctx); }
    get leadList(): LeadListStore { return this.leadListS ??= createLeadListStore(this.ctx); }
    get notifications(): NotificationStore { return this.notificationsS ??= createNotificationStore(this.ctx); }
    get webhooks(): WebhookStore { return this.webhooksS ??= createWebhookStore(this.ctx); }
    get maintenance(): MaintenanceStore { return this.maintenanceS ??= createMaintenanceStore(this.ctx); }
    get leadStats(): LeadStatsStore {
      return this.leadStatsS ??= createLeadStatsStore(this.ctx, (fn) => runTransaction((s) => fn(s.ctx), { isolation: 'repeatable read' }));
    }
  }

  /** A transaction's stores: refused once the transaction has ended. */
  class TxStores extends ContextStores implements StoreTx {
    constructor(private readonly state: TxState) {
      super(guarded(state));
    }

    savepoint<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
      const parent = this.state;
      return this.ctx.db.transaction(async (exec) => {
        const inner: TxState = { rosterWritten: false, webhooksWritten: false, ctx: null as unknown as PgContext, open: true };
        inner.ctx = contextOf(exec as PgExecutor, parent);
        try {
          return await fn(new TxStores(inner));
        } finally {
          inner.open = false;
        }
      });
    }
  }

  /**
   * The transaction's context, refusing every statement after the transaction ended. Stores keep the
   * executor they were made with, so the refusal is in the executor itself: after the end its
   * connection is back in the pool, and a statement there would run outside any transaction.
   */
  function guarded(state: TxState): PgContext {
    const { ctx } = state;
    const refuse = () => {
      if (!state.open) throw new Error('a transaction\'s stores were used after it ended');
    };
    const db = new Proxy(ctx.db, {
      get(target, prop) {
        refuse();
        return Reflect.get(target, prop, target) as unknown;
      },
    });
    return {
      db,
      inTransaction: true,
      commitBatch: ctx.commitBatch,
      rotationAtCommit: ctx.rotationAtCommit,
      commitWithRound: ctx.commitWithRound,
      shared,
      atomically: (fn) => {
        refuse();
        return ctx.atomically(fn);
      },
      rosterChanged: () => {
        refuse();
        return ctx.rosterChanged();
      },
      webhooksChanged: () => {
        refuse();
        return ctx.webhooksChanged();
      },
    };
  }

  const cluster: ClusterChannel = {
    async publish(signal) {
      await notify(db, { i: shared.instanceId, s: signal });
    },
    subscribe(listener) {
      clusterListeners.push(listener);
    },
  };

  let closed: Promise<void> | null = null;
  class OuterStore extends ContextStores implements PostgresStore {
    readonly dialect = 'postgres' as const;
    readonly commitsWithRound = true;
    readonly deadlinePasses = DEADLINE_PASSES;
    readonly pool = pool;
    readonly db = db;
    readonly cluster = cluster;
    readonly flushBarrier = flushBarrier;

    constructor() {
      super(contextOf(db, null));
    }

    transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T> {
      return runTransaction((state) => fn(new TxStores(state)), options);
    }

    /** Deferred commits returned before their WAL flush; one barrier flushes them all (flush-barrier.ts). */
    durable(): Promise<void> {
      return flushBarrier.durable();
    }

    async ping(): Promise<void> {
      await pool.query('SELECT 1');
    }

    async databaseNow(): Promise<number> {
      // clock_timestamp(), not now(): now() is the start of the transaction.
      const { rows } = await pool.query<{ ms: number }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms');
      const ms = rows[0]?.ms;
      if (typeof ms !== 'number') throw new Error('the database did not tell its time');
      return ms;
    }

    close(): Promise<void> {
      closed ??= (async () => {
        clearInterval(heartbeat);
        await listener.stop();
        await Promise.all([pool.end(), scheduledPool.end(), relaxedPool.end(), flushBarrier.close()]);
      })();
      return closed;
    }
  }

  return new OuterStore();
}

/**
 * First-run rows (the settings row, three status codes), under the migration lock's key so that two
 * instances starting on an empty database seed it once.
 */
async function seedDefaults(db: PgExecutor): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`);
    await tx.execute(sql`INSERT INTO settings (id) VALUES (1) ON CONFLICT DO NOTHING`);
    const { rows } = await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM status_codes`);
    if ((rows[0]?.n ?? 0) === 0) {
      await tx.execute(sql`INSERT INTO status_codes (name, position, is_default)
        VALUES ('New', 1, true), ('Showing Houses', 2, false), ('Closed', 3, false)`);
    }
  });
}

/**
 * The connection that LISTENs on SIGNAL_CHANNEL. While it is down, the roster is not cached (any
 * instance may change it unheard) and it reconnects with a growing pause (up to 5 s).
 */
class SignalListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly shared: PgShared,
    private readonly presence: Presence,
    private readonly onCluster: (signal: ClusterSignal) => void,
    private readonly logger: Logger | undefined,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => this.received(msg.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${SIGNAL_CHANNEL}`);
    // Whatever changed while not listening is unknown: start from the database.
    this.shared.roster.invalidate();
    this.shared.roster.listening = true;
    this.shared.webhooks.invalidate();
    this.shared.webhooks.listening = true;
    this.retryMs = 100;
  }

  private received(payload: string | undefined): void {
    if (!payload) return;
    let parsed: SignalPayload;
    try {
      parsed = JSON.parse(payload) as SignalPayload;
    } catch {
      return;
    }
    // This instance's own signals come back to it too: it dropped its cache at its own commit already.
    if (parsed.i === this.shared.instanceId) return;
    if (parsed.s === 'roster') {
      this.shared.roster.invalidate();
      return;
    }
    if (parsed.s === 'webhooks') {
      this.shared.webhooks.invalidate();
      return;
    }
    if (parsed.s === 'here') {
      this.presence.heard();
      return;
    }
    this.onCluster(parsed.s);
  }

  private lost(client: pg.Client, err: Error | null): void {
    if (this.client !== client) return;
    this.client = null;
    this.shared.roster.listening = false;
    this.shared.roster.invalidate();
    this.shared.webhooks.listening = false;
    this.shared.webhooks.invalidate();
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.stopped) return;
    this.logger?.warn({ err }, 'the PostgreSQL signal connection was lost; reconnecting (the roster is read fresh meanwhile)');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().catch((err: unknown) => {
        if (this.client) this.lost(this.client, err as Error);
        else if (!this.stopped) this.scheduleReconnect();
      });
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    this.shared.roster.listening = false;
    this.shared.webhooks.listening = false;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}
