// What recording API tokens' last use costs on the request path, against the lookup alone and the
// two other ways of keeping lastUsedAt (issue 14 point 5). In-process, on a fresh SQLite file with
// the server's settings (WAL, synchronous=FULL), through the store port as the server calls it
// (each call awaited), 1,000 tokens used round robin:
//   lookup only           the token lookup without any recording (the code before lastUsedAt)
//   noted in memory       the lookup plus token-usage.ts (what the server does), its minute batches included
//   conditional UPDATE    the lookup plus `UPDATE … WHERE last_used_at < now - 60 s` on every request
//   UPDATE per minute     the lookup plus an immediate write when the stored time is a minute old
// Run: npx tsx scripts/bench/token-lookup.ts [--calls=200000] [--tokens=1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createAuthService, hashToken, newToken } from '../../src/services/auth-service.js';
import { createTokenUsage, TOKEN_USE_PRECISION_MS } from '../../src/services/token-usage.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/time/clock.js';
import { Args } from './lib/args.js';
import { round } from './lib/stats.js';

const args = new Args(process.argv.slice(2));
const CALLS = args.num('calls', 200_000);
const TOKENS = args.num('tokens', 1_000);

const dir = mkdtempSync(join(tmpdir(), 'leadrace-token-bench-'));
const database = openSqliteStore(join(dir, 'bench.db'));
const identity = database.identity;
// Time moves only when told: every variant sees the same minute boundaries.
const clock = new ManualClock();
const logger = pino({ level: 'silent' });
const usage = createTokenUsage({ identity, clock, logger });
const auth = createAuthService({ store: database, clock, usage });

const user = await identity.insertUser({ name: 'Bench', email: 'bench@example.com', role: 'AGENT', handle: 'bench' });
const tokens = Array.from({ length: TOKENS }, () => newToken());
await database.transaction(async (tx) => {
  for (const token of tokens) await tx.identity.insertToken({ userId: user.id, tokenHash: hashToken(token), kind: 'API', createdAt: new Date(clock.now()) });
});

const conditional = database.sqlite.prepare(
  'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)');
const resetUses = () => database.sqlite.prepare('UPDATE api_tokens SET last_used_at = NULL').run();

/** µs per call over CALLS calls, the clock moving 1 ms per call (200,000 calls: 3.3 minutes of uses). */
async function time(label: string, call: (token: string) => unknown): Promise<number> {
  resetUses();
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) {
    await call(tokens[i % TOKENS] ?? '');
    await clock.advance(1);
  }
  const us = ((performance.now() - started) * 1000) / CALLS;
  console.log(`${label.padEnd(22)} ${round(us, 2)} µs per request`);
  return us;
}

const lookup = (token: string) => identity.findViewerByTokenHash(hashToken(token), new Date(clock.now()));
await time('(warm-up)', lookup);
await time('lookup only', lookup);
// The minute batches run inside clock.advance(), so they are in this figure.
await time('noted in memory', (token) => auth.authenticate(token));
await usage.stop();
resetUses();
const t0 = performance.now();
await identity.recordTokenUses(new Map(tokens.map((_, i) => [i + 1, clock.now()])));
console.log(`  one batch write of ${TOKENS} tokens' uses: ${round(performance.now() - t0, 2)} ms`);
await time('conditional UPDATE', async (token) => {
  const row = await lookup(token);
  if (row) conditional.run(clock.now(), row.tokenId, clock.now() - TOKEN_USE_PRECISION_MS);
});
let writes = 0;
await time('UPDATE per minute', async (token) => {
  const row = await lookup(token);
  if (row && (row.lastUsedAt === null || clock.now() - row.lastUsedAt >= TOKEN_USE_PRECISION_MS)) {
    conditional.run(clock.now(), row.tokenId, clock.now() - TOKEN_USE_PRECISION_MS);
    writes += 1;
  }
});
console.log(`  (${writes} immediate single-row commits in that run)`);

await database.close();
rmSync(dir, { recursive: true, force: true });
