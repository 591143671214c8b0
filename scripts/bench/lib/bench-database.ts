// A fresh PostgreSQL database for one benchmark run (CREATE DATABASE with a random name, dropped
// after), and the cluster's processes sorted into groups for CPU accounting (cpu-usage.ts): this
// database's connections, the cluster's background processes, and other databases' connections
// (other work on the machine). Also what this database's connections are doing over a phase, sampled
// from pg_stat_activity: running, waiting for a lock or the WAL flush, or idle in a transaction
// (waiting for the server's next statement).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { childrenOf, procStat } from './cpu-usage.js';

export interface BenchDatabase {
  name: string;
  url: string;
  /** A read-only query on the database (ground-truth checks after a run). */
  query<T>(text: string): Promise<T[]>;
  /** The cluster's processes by group; only when PostgreSQL runs on this machine (else empty). */
  processGroups(): Promise<Record<string, number[]>>;
  /**
   * VACUUM ANALYZE of the whole database: the statistics and visibility a running deployment's
   * autovacuum keeps. A database created for the run has none, and a cluster may have autovacuum off
   * (this workplace's CI clusters do: `autovacuum = off` in conf.d), so without this the planner plans
   * for empty tables and the staging tables of the rollups keep every dead row of the run.
   */
  vacuumAnalyze(): Promise<void>;
  /** Samples pg_stat_activity every `everyMs` until stop(). */
  sampleActivity(everyMs?: number): { stop(): Promise<ActivitySummary> };
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

/** This database's client connections by state over a phase: the average number in each. */
export interface ActivitySummary {
  samples: number;
  /** "state" or "state / wait type: wait event" -> connections in it, averaged over the samples. */
  average: Record<string, number>;
}

export const PG_OWN = 'PostgreSQL: this database\'s backends';
export const PG_BACKGROUND = 'PostgreSQL: background (WAL writer, checkpointer, autovacuum, ...)';
export const PG_OTHER = 'PostgreSQL: other databases\' backends (other work)';

export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `leadrace_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname);
  let reader: pg.Client | null = null;
  // The postmaster: the parent of our own backend (when the cluster runs here).
  const ownBackend = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
  const postmaster = local && ownBackend !== undefined ? procStat(ownBackend)?.ppid ?? null : null;
  return {
    name,
    url: url.toString(),
    async query<T>(text: string): Promise<T[]> {
      if (!reader) {
        reader = new pg.Client({ connectionString: url.toString() });
        await reader.connect();
      }
      return (await reader.query(text)).rows as T[];
    },
    async vacuumAnalyze() {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        await c.query('VACUUM (ANALYZE)');
      } finally {
        await c.end();
      }
    },
    async processGroups() {
      if (postmaster === null) return {};
      const { rows } = await admin.query<{ pid: number; datname: string | null; backend_type: string }>(
        'SELECT pid, datname, backend_type FROM pg_stat_activity');
      const known = new Map(rows.map((r) => [r.pid, r]));
      const groups: Record<string, number[]> = { [PG_OWN]: [], [PG_BACKGROUND]: [postmaster], [PG_OTHER]: [] };
      for (const pid of childrenOf(postmaster)) {
        const r = known.get(pid);
        if (r?.datname === name) groups[PG_OWN]?.push(pid);
        else if (r && r.backend_type === 'client backend') groups[PG_OTHER]?.push(pid);
        else groups[PG_BACKGROUND]?.push(pid);
      }
      return groups;
    },
    sampleActivity(everyMs = 20) {
      const counts = new Map<string, number>();
      let samples = 0;
      let running = true;
      const loop = (async () => {
        while (running) {
          const { rows } = await admin.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null }>(
            `SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`, [name]);
          samples++;
          for (const r of rows) {
            const key = `${r.state ?? '?'}${r.wait_event_type ? ` / ${r.wait_event_type}: ${r.wait_event ?? '?'}` : ''}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          await new Promise((resolve) => setTimeout(resolve, everyMs));
        }
      })();
      return {
        async stop() {
          running = false;
          await loop;
          const average = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, n / Math.max(1, samples)]));
          return { samples, average };
        },
      };
    },
    async drop() {
      const r = reader as pg.Client | null;
      reader = null;
      await r?.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
