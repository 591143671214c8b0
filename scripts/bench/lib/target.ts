// What a benchmark runs against: one server on a SQLite file (as `npm run bench` always has), or
// `instances` servers as separate processes on one fresh PostgreSQL database with a Redis event bus
// (`npm run bench -- --store=postgres`). Benchmarks spread their agents and requests over
// `instances` and read their ground truth through `query` once the servers have stopped.
import Database from 'better-sqlite3';
import { createBenchDatabase, type ActivitySummary, type BenchDatabase } from './bench-database.js';
import { startBenchServer, type BenchServer, type StartOptions } from './server.js';

export interface PostgresDeployment {
  /** A URL of the cluster with the right to CREATE DATABASE (the benchmark's database is made there). */
  adminUrl: string;
  redisUrl: string;
  /** The redis-server's pid when it runs on this machine (for CPU accounting), else null. */
  redisPid: number | null;
  instances: number;
}

export interface TargetOptions extends StartOptions {
  /** Absent: one server on a SQLite file. */
  postgres?: PostgresDeployment;
}

export interface BenchTarget {
  store: 'sqlite' | 'postgres';
  /** The running servers; one on SQLite. */
  instances: BenchServer[];
  /** The instance that serves the i-th agent or request, round robin. */
  instance(i: number): BenchServer;
  /** Stops every instance; the data stays for `query` until `remove`. */
  stop(): Promise<void>;
  /** Rows of a read-only query in the target's dialect, after `stop`. */
  query<T>(q: { sqlite: string; postgres: string }): Promise<T[]>;
  /** Stops the instances if running and removes the data (the SQLite file, the PostgreSQL database). */
  remove(): Promise<void>;
  /** The processes whose CPU time the benchmark accounts for, by group (cpu-usage.ts). */
  processGroups(): Promise<Record<string, number[]>>;
  /**
   * After seeding, before measuring: on PostgreSQL, VACUUM ANALYZE (what autovacuum does on a running
   * deployment; BenchDatabase.vacuumAnalyze). Nothing on SQLite, whose planner needs no statistics for
   * our statements (every hot one is an index lookup by key).
   */
  settle(): Promise<void>;
  /** What the database's connections do over a phase (PostgreSQL; null on SQLite). */
  sampleActivity(): { stop(): Promise<ActivitySummary | null> };
}

const REDIS_GROUP = 'Redis';

export async function startTarget(opts: TargetOptions): Promise<BenchTarget> {
  const { postgres, ...serverOpts } = opts;
  let stopped = false;
  const instances: BenchServer[] = [];
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(instances.map((s) => s.stop({ keepFiles: true })));
  };
  const serverGroups = () => Object.fromEntries(instances.map((s, i) => [instances.length === 1 ? 'server' : `server ${i + 1}`, [s.pid]]));
  const base = {
    instances,
    instance: (i: number) => instances[i % instances.length] as BenchServer,
    stop: stopAll,
  };

  if (!postgres) {
    const server = await startBenchServer(serverOpts);
    instances.push(server);
    return {
      ...base,
      store: 'sqlite',
      async query<T>(q: { sqlite: string }): Promise<T[]> {
        const db = new Database(server.dbPath, { readonly: true, fileMustExist: true });
        try {
          return db.prepare(q.sqlite).all() as T[];
        } finally {
          db.close();
        }
      },
      async remove() {
        await stopAll();
        server.removeFiles();
      },
      processGroups: async () => serverGroups(),
      settle: async () => {},
      sampleActivity: () => ({ stop: async () => null }),
    };
  }

  const database: BenchDatabase = await createBenchDatabase(postgres.adminUrl);
  try {
    // One after another: the first migrates the new database and creates the first admin, so the
    // others start as instances joining a running deployment do.
    for (let i = 0; i < postgres.instances; i++) {
      instances.push(await startBenchServer({
        ...serverOpts,
        env: { ...serverOpts.env, DATABASE_URL: database.url, REDIS_URL: postgres.redisUrl },
      }));
    }
  } catch (err) {
    await stopAll();
    for (const s of instances) s.removeFiles();
    await database.drop();
    throw err;
  }
  return {
    ...base,
    store: 'postgres',
    query: <T>(q: { postgres: string }) => database.query<T>(q.postgres),
    async remove() {
      await stopAll();
      for (const s of instances) s.removeFiles();
      await database.drop();
    },
    async processGroups() {
      return {
        ...serverGroups(),
        ...await database.processGroups(),
        ...(postgres.redisPid !== null ? { [REDIS_GROUP]: [postgres.redisPid] } : {}),
      };
    },
    settle: () => database.vacuumAnalyze(),
    sampleActivity: () => database.sampleActivity(),
  };
}
