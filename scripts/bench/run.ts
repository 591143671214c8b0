// `npm run bench`: runs the benchmark suite, each benchmark against its own server child process,
// and prints a table plus one JSON line with every figure beside its same-run baseline.
//
// Options (all --name=value):
//   --only=speed,intake,live,race,deadline,notify,list   which benchmarks (default: all seven)
//   --store=sqlite|postgres   sqlite (default): as above. postgres: speed, intake, race and deadline on
//                       SQLite, on PostgreSQL + Redis with one instance and with two, one table side
//                       by side (compare-stores.ts, with its options --setups, --pg-url, --redis-url)
//   --sqlite-synchronous=FULL|NORMAL   the servers' SQLITE_SYNCHRONOUS (default FULL, as deployed)
//   --profile=<dir>     run each server child with --cpu-prof into <dir> (summarise with
//                       `tsx scripts/bench/profile-summary.ts <dir>/*.cpuprofile`)
//   speed:    --speed-agents=1000 --speed-rate=100 --speed-duration=30 --speed-baseline-duration=10 --speed-warmup=200
//             --speed-paired-duration=20 (several instances: the paired crossing phase; 0 skips it)
//             --speed-trace=<path> (writes <path>.<store><instances>.json: { epoch, trace }, `trace` holding
//             [ms into the run, latency ms, 1 when the offer crossed instances] per lead and `epoch` the
//             run's start in ms since 1970, to line slow leads up with what the server logged)
// Environment: BENCH_PRELOAD=<module> starts every server child with `--import <module>` too: a probe
// of one's own, or lib/loop-lag.mjs (event-loop lags with the CPU time across each, and GC pauses,
// written to LOOP_LAG_DIR).
// BENCH_SERVER_LOG=<prefix> writes each server child's log to <prefix>.<port>.log, at BENCH_LOG_LEVEL
// (default warn; debug logs every request and round, and slows the server down noticeably).
//   intake:   --intake-agents=1000 --intake-concurrency=16 --intake-duration=10 --intake-sources=1
//   live:     --live-agents=10000 --live-targets=1000
//   race:     --race-leads=1000 --race-agents-per-lead=10 --race-agents=100 --race-leads-in-flight=8
//   deadline: --deadline-offers=5000 --deadline-agents-per-lead=10 --deadline-rate=100 --deadline-intake-rate=50
//   notify:   --notify-rate=100 --notify-duration=10 --notify-agents=100 --notify-delay=2000 (ms)
//             --notify-slow=sms|email|both (which provider answers after the delay) --notify-drain=30 (s)
//             --notify-baseline-root=<checkout> (run the same scenarios on another worktree's server too)
//   list:     --list-timeout=280 (seconds) --list-leads=1000000 (scripts/bench-lead-list.ts is run when it
//             exists; it seeds its leads first and prints its figures only at the end)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Args } from './lib/args.js';
import type { StartOptions } from './lib/server.js';
import { describeProbe, probeMachine } from './lib/machine-probe.js';
import { printTable, type Figure } from './lib/stats.js';
import { COMPARED, compareStores } from './compare-stores.js';
import { deadlines } from './deadlines.js';
import { intake } from './intake.js';
import { liveAgents } from './live-agents.js';
import { notify } from './notify.js';
import { raceStorm } from './race-storm.js';
import { speedToLead } from './speed-to-lead.js';

type Bench = (args: Args, opts: StartOptions) => Promise<{ figures: Figure[]; detail: object }>;
const BENCHES: [string, Bench][] = [
  ['speed', speedToLead], ['intake', intake], ['live', liveAgents], ['race', raceStorm], ['deadline', deadlines],
  ['notify', notify],
];
const OPTIONS = [
  'speed-agents', 'speed-rate', 'speed-duration', 'speed-baseline-duration', 'speed-warmup', 'speed-trace', 'speed-paired-duration',
  'intake-agents', 'intake-concurrency', 'intake-duration', 'intake-sources', 'live-agents', 'live-targets',
  'race-leads', 'race-agents-per-lead', 'race-agents', 'race-leads-in-flight',
  'deadline-offers', 'deadline-agents-per-lead', 'deadline-rate', 'deadline-intake-rate',
  'notify-rate', 'notify-duration', 'notify-agents', 'notify-delay', 'notify-slow', 'notify-drain', 'notify-baseline-root',
];
const LEAD_LIST = fileURLToPath(new URL('../bench-lead-list.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: cpus().length,
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    node: process.version,
  };
}

/** Runs the other engineer's lead-list benchmark as it is, passing its output through. */
async function leadList(timeoutSec: number, leads: number): Promise<{ ran: boolean; exitCode: number | null; lastJson: unknown }> {
  if (!existsSync(LEAD_LIST)) {
    process.stdout.write('\n[list] skipped: scripts/bench-lead-list.ts does not exist (yet)\n');
    return { ran: false, exitCode: null, lastJson: null };
  }
  process.stdout.write('\n[list] running scripts/bench-lead-list.ts\n');
  const child = spawn(process.execPath, ['--import', 'tsx', LEAD_LIST, `--leads=${leads}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { process.stdout.write(d); out = (out + d.toString()).slice(-100_000); });
  const timer = setTimeout(() => { process.stdout.write(`[list] killed after ${timeoutSec} s\n`); child.kill('SIGKILL'); }, timeoutSec * 1000);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(timer);
  let lastJson: unknown = null;
  for (const line of out.trim().split('\n').reverse()) {
    if (!line.trim().startsWith('{')) continue;
    try { lastJson = JSON.parse(line); break; } catch { /* not the figures line */ }
  }
  return { ran: true, exitCode, lastJson };
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2));
  const store = args.str('store', 'sqlite');
  if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store: sqlite or postgres, not "${store}"`);
  const defaultOnly = store === 'postgres' ? COMPARED.map(([n]) => n).join(',') : 'speed,intake,live,race,deadline,notify,list';
  const only = new Set(args.str('only', defaultOnly).split(',').map((s) => s.trim()).filter(Boolean));
  const profileDir = args.str('profile', '');
  const synchronous = args.str('sqlite-synchronous', 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new Error(`--sqlite-synchronous: FULL or NORMAL, not "${synchronous}"`);
  // The six benchmarks above take about 6 minutes: this keeps the suite near 10.
  const listTimeout = args.num('list-timeout', 280);
  const listLeads = args.num('list-leads', 1_000_000);
  // A typo must not silently run the default: every option a benchmark reads is named up front.
  args.declare(OPTIONS);
  if (store === 'postgres') args.declare(['setups', 'pg-url', 'redis-url']);
  args.checkUnknown();
  const opts: StartOptions = { env: { SQLITE_SYNCHRONOUS: synchronous } };
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    opts.cpuProfDir = profileDir;
  }
  if (store === 'postgres') {
    await compareStores(args, opts, only);
    return;
  }
  for (const name of only) {
    if (name !== 'list' && !BENCHES.some(([n]) => n === name)) throw new Error(`--only: unknown benchmark "${name}"`);
  }

  const probe = await probeMachine();
  process.stdout.write(`this machine: ${describeProbe(probe)}\n`);
  const started = performance.now();
  const figures: Figure[] = [];
  const details: Record<string, object> = {};
  for (const [name, bench] of BENCHES) {
    if (!only.has(name)) continue;
    const t = performance.now();
    process.stdout.write(`\n[${name}] running…\n`);
    try {
      const { figures: f, detail } = await bench(args, opts);
      figures.push(...f);
      details[name] = { ...detail, seconds: Math.round((performance.now() - t) / 100) / 10 };
      printTable(f);
    } catch (err) {
      // One broken benchmark must not hide the others' figures; it is reported as failed.
      process.stderr.write(`[${name}] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      details[name] = { failed: err instanceof Error ? err.message : String(err) };
      figures.push({ bench: name, metric: 'FAILED (see stderr)', value: Number.NaN, unit: '', baseline: null, baselineLabel: null, ratio: null, target: null, pass: false });
    }
  }
  let list: Awaited<ReturnType<typeof leadList>> | null = null;
  if (only.has('list')) list = await leadList(listTimeout, listLeads);

  const totalSec = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`\n== leadrace benchmarks (${totalSec} s, SQLITE_SYNCHRONOUS=${synchronous}) ==\n`);
  process.stdout.write(`(this machine: ${describeProbe(probe)})\n`);
  printTable(figures);
  process.stdout.write(`${JSON.stringify({ machine: { ...machine(), ...probe }, sqliteSynchronous: synchronous, totalSeconds: totalSec, figures, details, leadList: list })}\n`);
  const missed = figures.filter((f) => f.pass === false);
  if (missed.length) process.stdout.write(`\n${missed.length} figure(s) missed target: ${missed.map((f) => `${f.bench} ${f.metric}`).join('; ')}\n`);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
