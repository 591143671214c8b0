// The store test suite runs unchanged against both implementations of the port: each test file in
// test/store/port/ calls describeEachStore, which runs its tests once on a fresh SQLite file and once
// on a fresh PostgreSQL database (skipped, with one line saying how to run it, where there is none).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe } from 'vitest';
import type { Store } from '../../src/store/port.js';
import { openPostgresStore } from '../../src/store/postgres/pg-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createTempDatabase, havePostgres } from './services.js';

export type StoreKind = 'sqlite' | 'postgres';

/** Opens a fresh, migrated, empty store of each test's own; closed (and dropped) after the test. */
export type OpenStore = () => Promise<Store>;

const pgAvailable = await havePostgres();

/** Runs `body` as a describe block per store kind; `open()` gives the test a fresh store of that kind. */
export function describeEachStore(name: string, body: (open: OpenStore, kind: StoreKind) => void): void {
  for (const kind of ['sqlite', 'postgres'] as const) {
    const skip = kind === 'postgres' && !pgAvailable;
    describe.skipIf(skip)(`${name} [${kind}]`, () => {
      const cleanups: (() => Promise<void>)[] = [];
      afterEach(async () => {
        for (const c of cleanups.splice(0).reverse()) await c();
      });
      body(async () => {
        if (kind === 'sqlite') {
          const dir = mkdtempSync(join(tmpdir(), 'leadrace-store-'));
          const store = openSqliteStore(join(dir, 'test.db'));
          cleanups.push(async () => {
            await store.close();
            rmSync(dir, { recursive: true, force: true });
          });
          return store;
        }
        const database = await createTempDatabase();
        const store = await openPostgresStore(database.url, { poolSize: 20 });
        cleanups.push(async () => {
          await store.close();
          await database.drop();
        });
        return store;
      }, kind);
    });
  }
}
