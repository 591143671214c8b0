// SQLite's speed to lead and intake, this checkout against another one (a worktree of an older commit,
// with its own node_modules), alternated on the same machine in one run. The issue that brought
// PostgreSQL asked that SQLite's own figures not get worse than they were before it; a ratio to the
// trivial query measured on another machine on another day cannot say that, the same machine can.
// Both servers are started by this checkout's harness (lib/server.ts, with `root`), so they run with
// the same Node options and the same load generator; only the server's code differs.
//
//   npx tsx scripts/bench/sqlite-against-checkout.ts --baseline-root=<checkout> [--rounds=2]
//       [--speed-duration=30] [--intake-duration=10] (and speed's and intake's other options)
import { Args } from './lib/args.js';
import { intake } from './intake.js';
import { speedToLead } from './speed-to-lead.js';
import type { Figure } from './lib/stats.js';

interface Round {
  speedP50: number;
  speedP99: number;
  intake: number;
  trivial: number;
}

const valueOf = (figures: readonly Figure[], metric: RegExp): Figure => {
  const found = figures.find((f) => metric.test(f.metric));
  if (!found) throw new Error(`no figure matching ${metric}`);
  return found;
};

async function measure(args: Args, root: string | undefined): Promise<Round> {
  const speed = await speedToLead(args, { root });
  const taken = await intake(args, { root });
  const throughput = valueOf(taken.figures, /^submitLead throughput/);
  return {
    speedP50: valueOf(speed.figures, /^p50 \(/).value,
    speedP99: valueOf(speed.figures, /^p99 \(/).value,
    intake: throughput.value,
    trivial: throughput.baseline ?? Number.NaN,
  };
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2));
  const baselineRoot = args.str('baseline-root', '');
  const rounds = args.num('rounds', 2);
  if (!baselineRoot) throw new Error('--baseline-root=<checkout> is required (a worktree with its node_modules installed)');
  // speedToLead and intake read their own options (speed-*, intake-*) when they run.
  args.declare(['speed-agents', 'speed-rate', 'speed-duration', 'speed-baseline-duration', 'speed-warmup', 'speed-paired-duration',
    'speed-trace', 'intake-agents', 'intake-concurrency', 'intake-duration', 'intake-sources']);
  args.checkUnknown();
  const results: { which: string; round: number; r: Round }[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternated, the order swapped each round: a machine that drifts over the run favours neither.
    const order: [string, string | undefined][] = round % 2 === 1 ? [['this checkout', undefined], ['baseline', baselineRoot]] : [['baseline', baselineRoot], ['this checkout', undefined]];
    for (const [which, root] of order) {
      process.stdout.write(`[round ${round}] ${which}… `);
      const r = await measure(args, root);
      process.stdout.write(`speed p50 ${r.speedP50} ms, p99 ${r.speedP99} ms; intake ${r.intake.toFixed(0)} /s against ${r.trivial.toFixed(0)} /s (${(r.intake / r.trivial).toFixed(3)} ×)\n`);
      results.push({ which, round, r });
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  };
  process.stdout.write(`\nmedians over ${rounds} round(s) (baseline: ${baselineRoot})\n`);
  process.stdout.write('checkout      | speed p50 | speed p99 | intake /s | trivial /s | intake / trivial\n');
  for (const which of ['this checkout', 'baseline']) {
    const rs = results.filter((x) => x.which === which).map((x) => x.r);
    process.stdout.write(`${which.padEnd(13)} | ${median(rs.map((r) => r.speedP50)).toFixed(2).padStart(9)} | ${median(rs.map((r) => r.speedP99)).toFixed(2).padStart(9)} | `
      + `${median(rs.map((r) => r.intake)).toFixed(0).padStart(9)} | ${median(rs.map((r) => r.trivial)).toFixed(0).padStart(10)} | ${median(rs.map((r) => r.intake / r.trivial)).toFixed(3)}\n`);
  }
  process.stdout.write(`${JSON.stringify({ baselineRoot, results })}\n`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
