// `npm run bench -- --store=postgres`: speed to lead, intake, race storm and deadlines on SQLite, on
// PostgreSQL + Redis with one server instance, and with two (separate processes on one fresh
// database, one Redis), in one run, and one table of every figure side by side with issue 13's
// targets. Each benchmark runs on the three setups one after another before the next benchmark
// starts, so that a noisy stretch of the machine touches all three alike.
//
// Options (beside the benchmarks' own, see run.ts):
//   --setups=sqlite,pg1,pg2   which columns (default all three)
//   --pg-url=postgres://postgres@127.0.0.1:5432/postgres   a cluster where the benchmark may CREATE
//                       DATABASE; each run of a setup gets a fresh database, dropped after
//   --redis-url=redis://...   the Redis to use; default a private redis-server on a free port (the
//                       shared one may be restarted by tests, and a private one has its own CPU figure)
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Args } from './lib/args.js';
import type { ActivitySummary } from './lib/bench-database.js';
import { startMachineShare, type CpuBreakdown, type MachineShare } from './lib/cpu-usage.js';
import { describeProbe, probeMachine } from './lib/machine-probe.js';
import { startPrivateRedis, type PrivateRedis } from './lib/private-redis.js';
import { printTable, round, type Figure } from './lib/stats.js';
import type { PostgresDeployment, TargetOptions } from './lib/target.js';
import { deadlines } from './deadlines.js';
import { intake } from './intake.js';
import { raceStorm } from './race-storm.js';
import { speedToLead } from './speed-to-lead.js';

type Bench = (args: Args, opts: TargetOptions) => Promise<{ figures: Figure[]; detail: object }>;
export const COMPARED: [string, Bench][] = [['speed', speedToLead], ['intake', intake], ['race', raceStorm], ['deadline', deadlines]];

interface Setup {
  id: string;
  label: string;
  instances: number;
}
const SETUPS: Setup[] = [
  { id: 'sqlite', label: 'SQLite', instances: 1 },
  { id: 'pg1', label: 'PostgreSQL + Redis, 1 instance', instances: 1 },
  { id: 'pg2', label: 'PostgreSQL + Redis, 2 instances', instances: 2 },
];

/** Issue 13's targets. */
const TARGET = {
  sqliteSpeedP99Ms: 10,
  sqliteIntakeRatio: 0.19,
  pgSpeedP99OfSqlite: 2,
  crossingExtraMs: 5,
  scaleOut: 1.5,
  /** Below this many cores two instances, PostgreSQL and the load generator share too few to scale. */
  scaleOutCores: 4,
};

interface Cell { value: number; unit: string; baseline: number | null; pass: boolean | null }
interface Row { label: string; target: string | null; cells: Map<string, Cell> }

/** A figure's metric without its parenthesised particulars (counts, rates), to match it across setups. */
const rowKey = (f: Figure) => `${f.bench}|${f.metric.replace(/\s*\([^)]*\)/g, '').trim()}`;

export async function compareStores(args: Args, opts: TargetOptions, only: ReadonlySet<string>): Promise<void> {
  const setupIds = args.str('setups', SETUPS.map((s) => s.id).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const setups = setupIds.map((id) => {
    const s = SETUPS.find((x) => x.id === id);
    if (!s) throw new Error(`--setups: unknown setup "${id}" (sqlite, pg1, pg2)`);
    return s;
  });
  const pgUrl = args.str('pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');
  const redisUrlArg = args.str('redis-url', '');
  const benches = COMPARED.filter(([name]) => only.has(name));
  for (const name of only) {
    if (!COMPARED.some(([n]) => n === name)) throw new Error(`--store=postgres runs speed, intake, race and deadline; not "${name}"`);
  }

  let redis: PrivateRedis | null = null;
  if (!redisUrlArg && setups.some((s) => s.id !== 'sqlite')) redis = await startPrivateRedis();
  const redisUrl = redisUrlArg || redis?.url || '';
  const probe = await probeMachine();
  process.stdout.write(`this machine: ${describeProbe(probe)}\n`);
  const started = performance.now();
  const loadAtStart = loadavg();
  const results = new Map<string, Map<string, { figures: Figure[]; detail: object }>>();
  try {
    for (const [name, bench] of benches) {
      const perSetup = new Map<string, { figures: Figure[]; detail: object }>();
      results.set(name, perSetup);
      for (const setup of setups) {
        const postgres: PostgresDeployment | undefined = setup.id === 'sqlite' ? undefined
          : { adminUrl: pgUrl, redisUrl, redisPid: redis?.pid ?? null, instances: setup.instances };
        const setupOpts: TargetOptions = { ...opts, ...(postgres ? { postgres } : {}) };
        if (opts.cpuProfDir) setupOpts.cpuProfDir = join(opts.cpuProfDir, setup.id);
        const t = performance.now();
        const share = startMachineShare();
        process.stdout.write(`\n[${name} on ${setup.label}] running… (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})\n`);
        try {
          const r = await bench(args, setupOpts);
          const machine = await share.stop();
          perSetup.set(setup.id, { figures: r.figures, detail: { ...r.detail, seconds: Math.round((performance.now() - t) / 100) / 10, machine } });
          printTable(r.figures);
          process.stdout.write(`(the machine over this run: busy ${machine.busyPercent}% of its CPU time; taken by the hypervisor, steal, ${machine.stealPercent}%; `
            + `by other processes on the machine ${machine.others.percentOfCore}% of a core on average, ${machine.others.peakPercentOfCore}% in their busiest half second`
            + `${machine.others.peakCommand ? ` (mostly ${machine.others.peakCommand})` : ''}; `
            + `by the kernel's memory-management threads ${machine.others.memoryThreads.percentOfCore}% of a core, `
            + `${machine.others.memoryThreads.peakPercentOfCore}% in their busiest half second`
            + `${machine.others.memoryThreads.peakCommand ? ` (mostly ${machine.others.memoryThreads.peakCommand})` : ''})\n`);
        } catch (err) {
          // One failed setup must not hide the others' figures.
          process.stderr.write(`[${name} on ${setup.label}] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
          perSetup.set(setup.id, { figures: [], detail: { failed: err instanceof Error ? err.message : String(err) } });
          // Its watcher thread stops with it.
          await share.stop().catch(() => {});
        }
      }
    }
  } finally {
    await redis?.stop();
  }

  const totalSec = Math.round((performance.now() - started) / 1000);
  const rows = combine(results, setups);
  process.stdout.write(`\n== leadrace benchmarks by store (${totalSec} s; ${cpus().length} cores; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}) ==\n`);
  process.stdout.write(`(this machine: ${describeProbe(probe)})\n`);
  printCombined(rows, setups);
  const speedRuns = results.get('speed');
  if (speedRuns) printCpu(speedRuns, setups, 'speed to lead: CPU over the measured leads');
  const intakeRuns = results.get('intake');
  if (intakeRuns) {
    printCpu(intakeRuns, setups, 'intake: CPU while submitting');
    printActivity(intakeRuns, setups);
  }
  const json: Record<string, unknown> = {
    machine: { nproc: cpus().length, node: process.version, ...probe }, totalSeconds: totalSec, loadAverage: { start: loadAtStart, end: loadavg() },
    setups: setups.map((s) => s.label),
    results: Object.fromEntries([...results].map(([bench, m]) => [bench, Object.fromEntries(m)])),
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
  const missed = rows.flatMap((r) => [...r.cells].filter(([, c]) => c.pass === false).map(([id]) => `${r.label} (${id})`));
  if (missed.length) process.stdout.write(`\n${missed.length} figure(s) missed target: ${missed.join('; ')}\n`);
}

/** The figures of every setup in rows, with issue 13's targets checked per column. */
function combine(results: Map<string, Map<string, { figures: Figure[]; detail: object }>>, setups: Setup[]): Row[] {
  const rows = new Map<string, Row>();
  const rowOf = (key: string, label: string, target: string | null) => {
    let row = rows.get(key);
    if (!row) rows.set(key, row = { label, target, cells: new Map() });
    return row;
  };
  for (const [bench, perSetup] of results) {
    for (const setup of setups) {
      const run = perSetup.get(setup.id);
      for (const f of run?.figures ?? []) {
        const row = rowOf(rowKey(f), `${f.bench}: ${f.metric}`, f.target);
        row.target ??= f.target;
        row.cells.set(setup.id, { value: f.value, unit: f.unit, baseline: f.baseline, pass: f.pass });
      }
      // How much of the machine the hypervisor took during the run: the figures' noise, told apart.
      const machine = (run?.detail as { machine?: MachineShare } | undefined)?.machine;
      if (machine) {
        rowOf(`${bench}|steal`, `${bench}: CPU time taken by the hypervisor (steal) over the run`, null)
          .cells.set(setup.id, { value: machine.stealPercent, unit: '%', baseline: null, pass: null });
        // And how much other services on the machine took at their busiest (a broker's periodic burst).
        rowOf(`${bench}|others`, `${bench}: other processes' CPU, busiest half second (% of a core)`, null)
          .cells.set(setup.id, { value: machine.others.peakPercentOfCore, unit: '%', baseline: null, pass: null });
        // And the kernel's memory-management threads (kdamond's passes: the PostgreSQL runs' slow leads).
        rowOf(`${bench}|memory-threads`, `${bench}: kernel memory-management threads' CPU (% of a core)`, null)
          .cells.set(setup.id, { value: machine.others.memoryThreads.percentOfCore, unit: '%', baseline: null, pass: null });
      }
    }
  }

  const speedP99 = rows.get('speed to lead|p99');
  const sqliteP99 = speedP99?.cells.get('sqlite')?.value;
  if (speedP99) {
    const limit = sqliteP99 === undefined ? null : TARGET.pgSpeedP99OfSqlite * sqliteP99;
    speedP99.target = `SQLite ≤ ${TARGET.sqliteSpeedP99Ms} ms; PostgreSQL ≤ ${TARGET.pgSpeedP99OfSqlite} × SQLite's${limit === null ? '' : ` (${round(limit)} ms)`}`;
    for (const [id, cell] of speedP99.cells) {
      cell.pass = id === 'sqlite' ? cell.value <= TARGET.sqliteSpeedP99Ms : limit === null ? null : cell.value <= limit;
    }
  }

  const intakeRow = rows.get('intake|submitLead throughput');
  if (intakeRow) {
    intakeRow.target = null;
    for (const cell of intakeRow.cells.values()) cell.pass = null;
    const ratios = rowOf('intake|ratio', 'intake: submitLead / { __typename } (same server, same concurrency)',
      `SQLite ≥ ${TARGET.sqliteIntakeRatio} ×`);
    for (const [id, cell] of intakeRow.cells) {
      if (cell.baseline === null || cell.baseline === 0) continue;
      const ratio = cell.value / cell.baseline;
      ratios.cells.set(id, { value: round(ratio, 3), unit: '×', baseline: null, pass: id === 'sqlite' ? ratio >= TARGET.sqliteIntakeRatio : null });
    }
    const one = intakeRow.cells.get('pg1')?.value;
    const two = intakeRow.cells.get('pg2')?.value;
    if (one !== undefined && two !== undefined && one > 0) {
      const cores = cpus().length;
      const applies = cores >= TARGET.scaleOutCores;
      const scale = rowOf('intake|scale-out', 'intake: leads/s of 2 instances / of 1 instance (PostgreSQL + Redis)',
        `≥ ${TARGET.scaleOut} × where the cores allow (≥ ${TARGET.scaleOutCores})${applies ? '' : `; on ${cores} cores not applicable: where the time goes is below`}`);
      scale.cells.set('pg2', { value: round(two / one, 3), unit: '×', baseline: null, pass: applies ? two / one >= TARGET.scaleOut : null });
    }
  }
  // The rows in the order the benchmarks printed them, each derived row after its source.
  const order = [...rows.keys()];
  const move = (key: string, after: string) => {
    if (!rows.has(key) || !rows.has(after)) return;
    order.splice(order.indexOf(key), 1);
    order.splice(order.indexOf(after) + 1, 0, key);
  };
  move('intake|ratio', 'intake|submitLead throughput');
  move('intake|scale-out', 'intake|ratio');
  return order.map((k) => rows.get(k) as Row);
}

function printCombined(rows: Row[], setups: Setup[]): void {
  const head = ['figure', ...setups.map((s) => s.label), 'target'];
  const mark = (p: boolean | null) => (p === null ? '' : p ? ' ✔' : ' ✘ MISSED');
  const lines = rows.map((r) => [
    r.label,
    ...setups.map((s) => {
      const c = r.cells.get(s.id);
      if (!c) return '-';
      return `${c.value} ${c.unit}${c.baseline === null ? '' : ` [${c.baseline}]`}${mark(c.pass)}`;
    }),
    r.target ?? '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const l of lines) process.stdout.write(`${line(l)}\n`);
  process.stdout.write('[x] = the same run\'s baseline on the same setup: { __typename } over HTTP (latency at the same rate, throughput at the same\n'
    + 'concurrency), leads sent or made for counts, the same-instance figure for offers crossing instances.\n');
}

/** A benchmark's CPU time per process group and setup (speed to lead's, intake's): per lead, and as a share of one core. */
function printCpu(runs: Map<string, { figures: Figure[]; detail: object }>, setups: Setup[], title: string): void {
  const usable = setups.flatMap((s) => {
    const d = runs.get(s.id)?.detail as { cpu?: CpuBreakdown; leads?: number } | undefined;
    return d?.cpu && d.leads ? [{ setup: s, cpu: d.cpu, leads: d.leads }] : [];
  });
  if (usable.length === 0) return;
  const groups: string[] = [];
  for (const u of usable) for (const g of u.cpu.groups) if (!groups.includes(g.group)) groups.push(g.group);
  const head = [`${title} (ms per lead, % of one core; of which system time; main thread's wait for a core)`, ...usable.map((u) => u.setup.label)];
  const cell = (ms: number | undefined, pct: number | undefined, leads: number) =>
    ms === undefined || pct === undefined ? '-' : `${(ms / leads).toFixed(3)} ms, ${pct.toFixed(0)}%`;
  const lines = groups.map((g) => [g, ...usable.map((u) => {
    const x = u.cpu.groups.find((y) => y.group === g);
    if (!x) return '-';
    return `${cell(x.cpuMs, x.percentOfCore, u.leads)}; sys ${(x.systemMs / u.leads).toFixed(3)}; waited ${(x.waitMs / u.leads).toFixed(3)} ms`;
  })]);
  lines.push(['other (the rest of the machine; processes that ended)', ...usable.map((u) =>
    cell((u.cpu.otherPercentOfCore / 100) * u.cpu.seconds * 1000, u.cpu.otherPercentOfCore, u.leads))]);
  lines.push([`whole machine (${usable[0]?.cpu.cores ?? '?'} cores = ${(usable[0]?.cpu.cores ?? 0) * 100}%)`, ...usable.map((u) =>
    cell((u.cpu.machinePercentOfCore / 100) * u.cpu.seconds * 1000, u.cpu.machinePercentOfCore, u.leads))]);
  lines.push(['leads in the phase / seconds / load average after', ...usable.map((u) =>
    `${u.leads} / ${u.cpu.seconds.toFixed(1)} s / ${u.cpu.loadAverage.after[0]?.toFixed(2) ?? '?'}`)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  process.stdout.write(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const l of lines) process.stdout.write(`${line(l)}\n`);
}

/** Intake's PostgreSQL connections by state: how many, on average, run, wait for a lock, or wait for the server. */
function printActivity(runs: Map<string, { figures: Figure[]; detail: object }>, setups: Setup[]): void {
  const usable = setups.flatMap((s) => {
    const a = (runs.get(s.id)?.detail as { databaseActivity?: ActivitySummary | null } | undefined)?.databaseActivity;
    return a ? [{ setup: s, activity: a }] : [];
  });
  if (usable.length === 0) return;
  const states: string[] = [];
  for (const u of usable) for (const k of Object.keys(u.activity.average)) if (!states.includes(k)) states.push(k);
  const head = ['intake: the database\'s connections while submitting (average number in each state)', ...usable.map((u) => u.setup.label)];
  const lines = states.map((k) => [k, ...usable.map((u) => (u.activity.average[k] ?? 0).toFixed(2))]);
  lines.push(['samples (pg_stat_activity every 20 ms)', ...usable.map((u) => String(u.activity.samples))]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  process.stdout.write(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const l of lines) process.stdout.write(`${line(l)}\n`);
  process.stdout.write('"idle in transaction": the connection holds its transaction open while the server works between statements.\n');
}
