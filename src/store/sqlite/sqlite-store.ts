// The store port on SQLite: one better-sqlite3 connection (database.ts opens and migrates it), the
// synchronous stores of this folder, and the async facades over them (async-facade.ts). Outside a
// transaction a call runs at once unless a transaction holds the connection (connection-lock.ts);
// inside one, through `tx`, it runs at once in that transaction.
import type Database from 'better-sqlite3';
import type {
  IdentityStore, IntakeSourceStore, LeadListStore, LeadStatsStore, LeadStore, LeadWorkStore, MaintenanceStore, NotificationStore,
  OrgStore, SourceStore, StatsReader, StatusStore, Store, Stores, StoreTx, TransactionOptions,
} from '../port.js';
import { facadeOf } from './async-facade.js';
import { SqliteConnection, type Gate, type TxScope } from './connection.js';
import { openDatabase, type Db, type OpenOptions } from './database.js';
import { createIdentityStore } from './identity-store.js';
import { createIntakeSourceStore } from './intake-source-store.js';
import { createLeadListStore } from './lead-list-store.js';
import { createLeadStatsStore, type SyncStatsReader } from './lead-stats-store.js';
import { createLeadStore } from './lead-store.js';
import { createLeadWorkStore } from './lead-work-store.js';
import { createNotificationStore } from './notification-store.js';
import { createOrgStore } from './org-store.js';
import { createMaintenanceStore } from './maintenance-store.js';
import { createSourceStore } from './source-store.js';
import { createStatusStore } from './status-store.js';

/** The SQLite store, with its connection for tests and tools that read the tables directly. */
export interface SqliteStore extends Store {
  readonly dialect: 'sqlite';
  readonly sqlite: Database.Database;
  readonly db: Db;
}

/** The reader's figures as promises, each call through `gate`. */
function promisedReader(reader: SyncStatsReader, gate: Gate): StatsReader {
  return {
    leadCounts: () => gate.run(() => reader.leadCounts()),
    offerCounts: () => gate.run(() => reader.offerCounts()),
    acceptBuckets: () => gate.run(() => reader.acceptBuckets()),
    responseBuckets: (want) => gate.run(() => reader.responseBuckets(want)),
  };
}

/** Opens (creating and migrating as needed) the SQLite database at `path`, or ':memory:'. */
export function openSqliteStore(path: string, options: OpenOptions = {}): SqliteStore {
  const handle = openDatabase(path, options);
  const conn = new SqliteConnection(handle.sqlite, handle.db);
  const { db } = handle;
  const stats = createLeadStatsStore(db);
  // Each store's facade class, made once; instances are made per gate (the lock, or a transaction).
  const facades = {
    identity: facadeOf(createIdentityStore(conn)),
    org: facadeOf(createOrgStore(db)),
    sources: facadeOf(createSourceStore(db)),
    intakeSources: facadeOf(createIntakeSourceStore(db)),
    statusCodes: facadeOf(createStatusStore(db)),
    leads: facadeOf(createLeadStore(conn)),
    leadWork: facadeOf(createLeadWorkStore(db)),
    leadList: facadeOf(createLeadListStore(db)),
    notifications: facadeOf(createNotificationStore(db)),
    maintenance: facadeOf(createMaintenanceStore(db)),
  };

  /** The stores as one gate reaches them (the port's interfaces are checked here, at compile time). */
  class GatedStores implements Stores {
    readonly identity: IdentityStore;
    readonly org: OrgStore;
    readonly sources: SourceStore;
    readonly intakeSources: IntakeSourceStore;
    readonly statusCodes: StatusStore;
    readonly leads: LeadStore;
    readonly leadWork: LeadWorkStore;
    readonly leadList: LeadListStore;
    readonly notifications: NotificationStore;
    readonly maintenance: MaintenanceStore;
    readonly leadStats: LeadStatsStore;

    constructor(gate: Gate, leadStats: LeadStatsStore) {
      this.identity = facades.identity(gate);
      this.org = facades.org(gate);
      this.sources = facades.sources(gate);
      this.intakeSources = facades.intakeSources(gate);
      this.statusCodes = facades.statusCodes(gate);
      this.leads = facades.leads(gate);
      this.leadWork = facades.leadWork(gate);
      this.leadList = facades.leadList(gate);
      this.notifications = facades.notifications(gate);
      this.maintenance = facades.maintenance(gate);
      this.leadStats = leadStats;
    }
  }

  class SqliteTx extends GatedStores implements StoreTx {
    constructor(private readonly scope: TxScope) {
      // Already in a transaction: the figures are read in it.
      super(scope, {
        read: (range, fn) => scope.run(() => stats.open(range)).then((reader) => fn(promisedReader(reader, scope))),
      });
    }

    savepoint<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
      return conn.savepoint(this.scope, (inner) => fn(new SqliteTx(inner)));
    }
  }

  const ping = handle.sqlite.prepare('SELECT 1');

  class OuterStore extends GatedStores implements SqliteStore {
    readonly dialect = 'sqlite' as const;
    readonly sqlite = handle.sqlite;
    readonly db = db;
    private closed: Promise<void> | null = null;

    constructor() {
      super(conn.lock, {
        // A transaction of its own, so that every figure sees the same rows.
        read: (range, fn) => conn.transaction((scope) => fn(promisedReader(stats.open(range), scope))),
      });
    }

    transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T> {
      return conn.transaction((scope) => fn(new SqliteTx(scope)), options);
    }

    ping(): Promise<void> {
      return conn.lock.run(() => {
        ping.get();
      });
    }

    /** After the transaction in progress, if any: its COMMIT must not meet a closed connection. */
    close(): Promise<void> {
      this.closed ??= conn.lock.hold(async () => handle.close());
      return this.closed;
    }
  }

  return new OuterStore();
}
