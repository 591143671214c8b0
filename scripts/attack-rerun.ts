// `npx tsx scripts/attack-rerun.ts [--leads=300000] [--only=1,2,8] [--request-timeout-ms=4000] [--root=<checkout>]`
//
// Re-runs issue 12's attack list against the real server started as a production child process
// (NODE_ENV=production, SQLite on disk, a free port), as an outsider, a curious agent and a slow
// provider would, and prints one line per attack (what was sent, what came back, /healthz during and
// after, PASS/FAIL against what the fix promises), then a markdown table for the README.
//
// Two servers are started, one after the other:
// - the main one, for points 1, 2 and 4 to 8, with INBOUND_EMAIL_SECRET set, SMTP_URL and SMS_* on
//   providers this script runs (scripts/attack-rerun/providers.ts; the SMS one answers after a delay
//   the attack sets), TRUST_PROXY=true (each attack sends its own X-Forwarded-For address, so abuse
//   limits of one attack do not spill into the next), MAX_CONNECTIONS_PER_ADDRESS=256 (the default
//   without a proxy) and a short HTTP_REQUEST_TIMEOUT_MS (--request-timeout-ms, 4 s; the headers
//   timeout follows it), so the slow-body attack is cut off in seconds rather than 30 s;
// - one for point 3 on a SQLite file seeded before it starts with --leads leads (300,000 by default:
//   the size issue 12 measured; seeding takes a minute or so), messages to the log channel.
// An attack that stops the server is reported, and the server restarted on the same database for
// the attacks after it. Exit code 1 when any attack FAILs.
//
// --root attacks the server of another checkout (an older commit's worktree, for a before/after);
// the attacks, the providers and point 3's seeded database (this checkout's migrations) stay
// this checkout's.
import { rmSync } from 'node:fs';
import { Args } from './bench/lib/args.js';
import { malformedTargets, slowBody, connectionCap } from './attack-rerun/attacks/transport.js';
import { hostileEmails, overlongEmailAddress, sameMessageIdTwoAgents } from './attack-rerun/attacks/inbound-email.js';
import { aliasedSearches, seedSearchDatabase } from './attack-rerun/attacks/search.js';
import { leadTextPosingAsServer } from './attack-rerun/attacks/spoofing.js';
import { externalIdReplay, sourceKeyReads } from './attack-rerun/attacks/reveal.js';
import { deactivateOfferedAgent } from './attack-rerun/attacks/deactivation.js';
import { slowSmsProvider } from './attack-rerun/attacks/slow-provider.js';
import { hugeIdList, intakeLimitWithToken, loginLockout } from './attack-rerun/attacks/api-limits.js';
import { setOwnerToOfferedAgent } from './attack-rerun/attacks/set-owner.js';
import { INBOUND_SECRET, type AttackContext } from './attack-rerun/context.js';
import { startSmsReceiver, startSmtpReceiver } from './attack-rerun/providers.js';
import { markdownTable, passed, printLine, STALL_BUDGET_MS, type AttackResult } from './attack-rerun/report.js';
import { Target } from './attack-rerun/target.js';

const args = new Args(process.argv.slice(2));
const LEADS = args.num('leads', 300_000);
const REQUEST_TIMEOUT_MS = args.num('request-timeout-ms', 4000);
const ROOT = args.str('root', '') || undefined;
const ONLY = new Set(args.str('only', '1,2,3,4,5,6,7,8').split(',').map((s) => s.trim()));
args.checkUnknown();

/** The per-address connection cap the main server runs with (the server's default without a proxy). */
const CONNECTION_CAP = 256;

const results: AttackResult[] = [];

/**
 * Runs one attack function and prints its lines. A script error (a setup step the server refused,
 * a dropped connection) is reported as a FAIL of that point rather than ending the run.
 */
async function run(point: string, name: string, attack: () => Promise<AttackResult | AttackResult[]>): Promise<void> {
  if (!ONLY.has(point)) return;
  let found: AttackResult[];
  try {
    const value = await attack();
    found = Array.isArray(value) ? value : [value];
  } catch (err) {
    found = [{ point, name, sent: '-', got: `the attack could not run: ${(err as Error).message}`, expected: '-', held: false, health: null }];
  }
  for (const r of found) {
    printLine(r);
    results.push(r);
  }
}

const sms = await startSmsReceiver();
const smtp = await startSmtpReceiver();

if ([...ONLY].some((p) => p !== '3')) {
  console.log(`starting the main server (NODE_ENV=production, HTTP_REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}, TRUST_PROXY=true, MAX_CONNECTIONS_PER_ADDRESS=${CONNECTION_CAP})…\n`);
  const target = await Target.start({
    INBOUND_EMAIL_SECRET: INBOUND_SECRET,
    SMTP_URL: smtp.url,
    SMTP_FROM: 'Leads <offers@attack.example>',
    SMS_ACCOUNT_SID: 'ACattackrerun',
    SMS_AUTH_TOKEN: 'attack-rerun-sms-token',
    SMS_FROM: '+15125550000',
    SMS_API_URL: sms.url,
    TRUST_PROXY: 'true',
    MAX_CONNECTIONS_PER_ADDRESS: String(CONNECTION_CAP),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  }, ROOT);
  const ctx: AttackContext = { target, sms, smtp };
  try {
    await run('1', 'malformed request targets', () => malformedTargets(ctx));
    await run('2', 'hostile emails', () => hostileEmails(ctx));
    await run('4', 'lead text posing as the server', () => leadTextPosingAsServer(ctx));
    await run('5', 'externalId replay', () => externalIdReplay(ctx));
    await run('5', 'source keys read by agents', () => sourceKeyReads(ctx));
    await run('5', 'one Message-ID, two agents', () => sameMessageIdTwoAgents(ctx));
    await run('6', 'deactivation with pending offers', () => deactivateOfferedAgent(ctx));
    await run('8', 'intake limit with a token', () => intakeLimitWithToken(ctx));
    await run('8', 'setLeadOwner to the offered agent', () => setOwnerToOfferedAgent(ctx));
    await run('8', 'over-long address in a forwarded email', () => overlongEmailAddress(ctx));
    await run('8', 'createUser with 40,000 officeIds', () => hugeIdList(ctx));
    await run('8', 'login lockout from another address', () => loginLockout(ctx));
    await run('8', 'slow body', () => slowBody(ctx, REQUEST_TIMEOUT_MS));
    await run('8', 'connection cap', () => connectionCap(ctx, CONNECTION_CAP));
    // Last on this server: the slow texts it leaves in flight would delay later attacks' messages
    // on a server that still lets one channel wait for the other.
    await run('7', 'slow SMS provider', () => slowSmsProvider(ctx));
  } finally {
    await target.stop();
  }
}

if (ONLY.has('3')) {
  console.log(`\nseeding ${LEADS.toLocaleString('en')} leads for the search attacks…`);
  const db = seedSearchDatabase(LEADS);
  console.log(`seeded in ${db.seconds.toFixed(1)} s; starting the search server on it…\n`);
  const target = await Target.start({ DATABASE_URL: db.dbPath }, ROOT);
  try {
    await run('3', 'aliased searches', () => aliasedSearches({ target, sms, smtp }, db));
  } finally {
    await target.stop();
    rmSync(db.dir, { recursive: true, force: true });
  }
}

await sms.close();
await smtp.close();

const byPoint = [...results].sort((a, b) => Number(a.point) - Number(b.point));
const failed = results.filter((r) => !passed(r));
console.log(`\n## Attack re-run (issue 12): ${results.length - failed.length} of ${results.length} held\n`);
console.log(`/healthz is probed every 50 ms while each attack runs and once after it; an attack also FAILs if a probe failed or took over ${STALL_BUDGET_MS} ms.\n`);
console.log(markdownTable(byPoint));
process.exit(failed.length > 0 ? 1 : 0);
