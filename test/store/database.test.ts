// The durability setting reaches the connection: FULL unless NORMAL is asked for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/sqlite/database.js';

const SQLITE_FULL = 2;
const SQLITE_NORMAL = 1;
const open: { handle: DatabaseHandle; dir: string }[] = [];
afterEach(() => {
  for (const { handle, dir } of open.splice(0)) {
    handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function openIn(options?: Parameters<typeof openDatabase>[1]): DatabaseHandle {
  const dir = mkdtempSync(join(tmpdir(), 'leadrace-db-'));
  const handle = openDatabase(join(dir, 'db.sqlite'), options);
  open.push({ handle, dir });
  return handle;
}

describe('openDatabase', () => {
  it('runs WAL with synchronous=FULL by default, NORMAL when asked, and savepoint journals in memory', () => {
    const full = openIn();
    expect(full.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(full.sqlite.pragma('synchronous', { simple: true })).toBe(SQLITE_FULL);
    expect(full.sqlite.pragma('temp_store', { simple: true })).toBe(2);
    expect(openIn({ synchronous: 'NORMAL' }).sqlite.pragma('synchronous', { simple: true })).toBe(SQLITE_NORMAL);
  });
});
