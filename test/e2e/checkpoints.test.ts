// WAL checkpoints run in a worker thread, not in the server's commits (store/checkpointer.ts): the
// server's own connection never checkpoints, yet the database file takes in what was committed.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgents, createSource } from '../support/brokerage.js';
import { startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('background WAL checkpoints', () => {
  it('the server connection does not checkpoint; the worker moves committed pages into the database file', async () => {
    const file = join(t.dir, 'test.db');
    await createAgents(t, 2);
    const source = await createSource(t, { raceAgentCount: 1 });
    const before = statSync(file).size;
    for (let i = 0; i < 10; i++) await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: `Lead ${i}`, message: 'x'.repeat(3000) } });
    // 10 leads with 3 KB messages: 30 KB of new rows, but a few hundred WAL pages, under the 1,000
    // at which SQLite's own automatic checkpoint would start. Only the worker puts them in the file.
    expect(await until(() => statSync(file).size >= before + 30_000, 5000)).toBe(true);
  });
});
