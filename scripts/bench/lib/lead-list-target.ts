// What `npm run bench:leads` times on a store seeded with the million leads of lead-list-data.ts, whichever the
// store (lead-list-sqlite.ts, lead-list-postgres.ts): the store the services run on, the plain statements each
// API path is measured beside, and the dashboard counted from the raw rows.
import type { LeadStatsResult } from '../../../src/services/lead-stats-service.js';
import type { StatsRange } from '../../../src/store/lead-stats-rules.js';
import type { Store } from '../../../src/store/port.js';

/** How the seed went: seconds in all and per phase (each seeder names its own phases). */
export interface SeedReport {
  seconds: number;
  phases: Record<string, number>;
  /** What was done to the schema to seed fast, and how it was restored (one line). */
  method: string;
}

/**
 * Plain statements that read the same rows as an API path, without its conditions, scope checks or services:
 * the floor the path is measured against. `sql` holds each one's text as printed in the table.
 */
export interface Baselines {
  /** The newest 21 leads. */
  firstPage(): Promise<unknown>;
  /** The 21 leads below `id`. */
  pageBefore(id: number): Promise<unknown>;
  /** These leads by primary key, newest first. */
  byIds(ids: number[]): Promise<unknown>;
  /** The first 21 leads holding `term` in a name, email or phone, each column matched on its own, no index. */
  naiveSearch(term: string): Promise<unknown>;
  countLeads(): Promise<unknown>;
  /** count(*) of leads and of offers since `fromMs` (all of them when null): one plain pass, nothing grouped. */
  countLeadsAndOffers(fromMs: number | null): Promise<unknown>;
  readonly sql: { firstPage: string; pageBefore: string; byIds: string; naiveSearch: string; countLeads: string };
}

export interface SeededLeads {
  /** 'SQLite' or 'PostgreSQL', as the table's columns are headed. */
  readonly label: string;
  readonly store: Store;
  /** Null when an earlier run's database was reused (--sqlite-file, --pg-database). */
  readonly seed: SeedReport | null;
  readonly leads: number;
  readonly offers: number;
  /** Tables and indexes on disk, MB. */
  readonly sizeMb: number;
  readonly baseline: Baselines;
  /** The dashboard counted from the raw rows (test/support/lead-stats-reference.ts). */
  reference(range: StatsRange): Promise<LeadStatsResult>;
  /** Closes the store; drops what was seeded unless it is kept. */
  close(): Promise<void>;
}
