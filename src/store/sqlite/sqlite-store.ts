// The store port on SQLite: one better-sqlite3 connection (database.ts opens and migrates it), the
// synchronous stores of this folder, and the async facades over them (async-facade.ts). Outside a
// transaction a call runs at once unless a transaction holds the connection (connection-lock.ts);
// inside one, through `tx`, it runs at once in that transaction.
import type Database from 'better-sqlite3';
import type {
  IdentityStore, IntakeSourceStore, LeadListStore, LeadStatsStore, LeadStore, LeadWorkStore, MaintenanceStore, NotificationStore,
  OrgStore, SourceStore, StatsReader, StatusStore, Store, Stores, StoreTx, TransactionOptions, WebhookStore,
} from '../port.js';
import { facadeOf } from './async-facade.js';
import { Checkpointer } from './checkpointer.js';
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
import { WalSync } from './wal-sync.js';
import { createWebhookStore } from './webhook-store.js';

/** The SQLite store, with its connection for tests and tools that read the tables directly. */
export interface SqliteStore extends Store {
  readonly dialect: 'sqlite';
  readonly sqlite: Database.Database;
  readonly db: Db;
  /** The deferred commits' fsync (wal-sync.ts). */
  readonly walSync: WalSync;
}

/** The reader's figures as promises, each call through `gate`. */
function promisedReader(reader: SyncStatsReader, gate: Gate): StatsReader {
  return {
    leadCounts: () => gate.run(() => reader.leadCounts()),
    offerCounts: () => gate.run(() => reader.offerCounts()),
    acceptBuckets: () => gate.run(() => reader.acceptBuckets()),
    responseBuckets: (want) => gate.run(() => reader.responseBuckets(want)),
    reclaimCounts: () => gate.run(() => reader.reclaimCounts()),
  };
}

/** Opens (creating and migrating as needed) the SQLite database at `path`, or ':memory:'. */
export function openSqliteStore(path: string, options: OpenOptions & { onCheckpointError?: (message: string) => void } = {}): SqliteStore {
  const handle = openDatabase(path, options);
  // A file's WAL is checkpointed in a thread of its own (checkpointer.ts); an in-memory database has none.
  const checkpointer = handle.sqlite.memory ? null : new Checkpointer(handle.sqlite, options.onCheckpointError);
  // Nothing to sync for an in-memory database, nor where the operator chose NORMAL for every commit.
  const walPath = handle.sqlite.memory || options.synchronous === 'NORMAL' ? null : `${handle.sqlite.name}-wal`;
  const walSync = new WalSync(walPath);
  const conn = new SqliteConnection(handle.sqlite, handle.db, walSync);
  const { db } = handle;
  const stats = createLeadStatsStore(db);
  // Each store's facade class, made once; instances are made per gate (the lock, or a transaction).
  const facades = {
    identity: facadeOf(createIdentityStore(conn)),
    org: facadeOf(createOrgStore(conn)),
    sources: facadeOf(createSourceStore(db)),
    intakeSources: facadeOf(createIntakeSourceStore(db)),
    statusCodes: facadeOf(createStatusStore(db)),
    leads: facadeOf(createLeadStore(conn)),
    leadWork: facadeOf(createLeadWorkStore(db)),
    leadList: facadeOf(createLeadListStore(db)),
    notifications: facadeOf(createNotificationStore(db)),
    webhooks: facadeOf(createWebhookStore(conn)),
    maintenance: facadeOf(createMaintenanceStore(db)),
  };

  /**
   * The stores as one gate reaches them (the port's interfaces are checked here, at compile time).
   * Each facade is made on first use: a transaction (and every savepoint of a group commit, two per
   * lead) touches two or three of the eleven stores, and making all of them showed as garbage.
   */
  abstract class GatedStores implements Stores {
    private identityF: IdentityStore | undefined;
    private orgF: OrgStore | undefined;
    private sourcesF: SourceStore | undefined;
    private intakeSourcesF: IntakeSourceStore | undefined;
    private statusCodesF: StatusStore | undefined;
    private leadsF: LeadStore | undefined;
    private leadWorkF: LeadWorkStore | undefined;
    private leadListF: LeadListStore | undefined;
    private notificationsF: NotificationStore | undefined;
    private webhooksF: WebhookStore | undefined;
    private maintenanceF: MaintenanceStore | undefined;
    private leadStatsF: LeadStatsStore | undefined;

    constructor(private readonly gate: Gate) {}

    /** The figures' reader as this gate reads them (in a transaction of its own, or in this one). */
    protected abstract makeLeadStats(): LeadStatsStore;

    get identity(): IdentityStore { return this.identityF ??= facades.identity(this.gate); }
    get org(): OrgStore { return this.orgF ??= facades.org(this.gate); }
    get sources(): SourceStore { return this.sourcesF ??= facades.sources(this.gate); }
    get intakeSources(): IntakeSourceStore { return this.intakeSourcesF ??= facades.intakeSources(this.gate); }
    get statusCodes(): StatusStore { return this.statusCodesF ??= facades.statusCodes(this.gate); }
    get leads(): LeadStore { return this.leadsF ??= facades.leads(this.gate); }
    get leadWork(): LeadWorkStore { return this.leadWorkF ??= facades.leadWork(this.gate); }
    get leadList(): LeadListStore { return this.leadListF ??= facades.leadList(this.gate); }
    get notifications(): NotificationStore { return this.notificationsF ??= facades.notifications(this.gate); }
    get webhooks(): WebhookStore { return this.webhooksF ??= facades.webhooks(this.gate); }
    get maintenance(): MaintenanceStore { return this.maintenanceF ??= facades.maintenance(this.gate); }
    get leadStats(): LeadStatsStore { return this.leadStatsF ??= this.makeLeadStats(); }
  }

  class SqliteTx extends GatedStores implements StoreTx {
    constructor(private readonly scope: TxScope) {
      super(scope);
    }

    protected makeLeadStats(): LeadStatsStore {
      const scope = this.scope;
      // Already in a transaction: the figures are read in it.
      return {
        read: (range, fn) => scope.run(() => stats.open(range)).then((reader) => fn(promisedReader(reader, scope))),
      };
    }

    savepoint<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
      return conn.savepoint(this.scope, (inner) => fn(new SqliteTx(inner)));
    }
  }

  const ping = handle.sqlite.prepare('SELECT 1');

  class OuterStore extends GatedStores implements SqliteStore {
    readonly dialect = 'sqlite' as const;
    readonly commitsWithRound = false;
    readonly deadlinePasses = 1;
    readonly cluster = null;
    readonly sqlite = handle.sqlite;
    readonly db = db;
    readonly walSync = walSync;
    private closed: Promise<void> | null = null;

    constructor() {
      super(conn.lock);
    }

    protected makeLeadStats(): LeadStatsStore {
      // A transaction of its own, so that every figure sees the same rows.
      return {
        read: (range, fn) => conn.transaction((scope) => fn(promisedReader(stats.open(range), scope))),
      };
    }

    transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T> {
      return conn.transaction((scope) => fn(new SqliteTx(scope)), options);
    }

    durable(): Promise<void> {
      return walSync.durable();
    }

    ping(): Promise<void> {
      return conn.lock.run(() => {
        ping.get();
      });
    }

    /** SQLite runs in this process: its clock is this process's. */
    databaseNow(): Promise<number> {
      return Promise.resolve(Date.now());
    }

    /** After the transaction in progress, if any: its COMMIT must not meet a closed connection. */
    close(): Promise<void> {
      this.closed ??= conn.lock.hold(async () => {
        await walSync.close();
        await checkpointer?.stop();
        handle.close();
      });
      return this.closed;
    }
  }

  return new OuterStore();
}
