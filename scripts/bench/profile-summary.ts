// Summarises V8 .cpuprofile files (node --cpu-prof) by self time: the top functions, files and
// packages, so that a benchmark's profile can be read in a terminal and quoted in a commit.
// Usage: tsx scripts/bench/profile-summary.ts [--top=25] [--last=<seconds>] <file.cpuprofile>...
// --last counts only the final seconds of each profile: the measured phase, not start-up and seeding.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): { file: string; pkg: string } {
  if (!url) return { file: '(native/vm)', pkg: '(native/vm)' };
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : rest[0] ?? '?';
    return { file: `${pkg}/${rest.slice(rest[0]?.startsWith('@') ? 2 : 1).join('/')}`, pkg };
  }
  if (path.startsWith('node:')) return { file: path, pkg: 'node (core)' };
  const src = path.indexOf('/src/');
  return src >= 0 ? { file: path.slice(src + 1), pkg: 'leadrace src' } : { file: path, pkg: path };
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

function print(title: string, map: Map<string, number>, total: number, top: number): void {
  process.stdout.write(`\n${title}\n`);
  const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, us] of rows) {
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}\n`);
  }
}

const argv = process.argv.slice(2);
const topArg = argv.find((a) => a.startsWith('--top='));
const top = topArg ? Number(topArg.slice(6)) : 25;
const lastArg = argv.find((a) => a.startsWith('--last='));
const lastUs = lastArg ? Number(lastArg.slice(7)) * 1e6 : Number.POSITIVE_INFINITY;
const files = argv.filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  process.stderr.write('usage: tsx scripts/bench/profile-summary.ts [--top=25] [--last=<seconds>] <file.cpuprofile>...\n');
  process.exit(2);
}
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  // Inclusive time of our own functions (store, services, server): which use case the time is under.
  const inclusive = new Map<string, number>();
  const fns = new Map<string, number>();
  const filesMap = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  const from = profile.endTime - lastUs;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < from) return;
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') { idle += us; return; }
    total += us;
    const w = where(url);
    add(fns, `${functionName || '(anonymous)'}  ${w.file}:${lineNumber + 1}`, us);
    add(filesMap, w.file, us);
    add(pkgs, w.pkg, us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id, depth = 0; cur !== undefined && depth < 500; cur = parentOf.get(cur), depth++) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame) break;
      const fw = where(frame.url);
      if (fw.pkg !== 'leadrace src') continue;
      const key = `${frame.functionName || '(anonymous)'}  ${fw.file}:${frame.lineNumber + 1}`;
      if (!seen.has(key)) { seen.add(key); add(inclusive, key, us); }
    }
  });
  const wall = (profile.endTime - profile.startTime) / 1000;
  process.stdout.write(`\n=== ${file}\nwall ${wall.toFixed(0)} ms, busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms\n`);
  print('self time by package', pkgs, total, top);
  print('self time by file', filesMap, total, top);
  print('self time by function', fns, total, top);
  print('inclusive time of leadrace functions', inclusive, total, top);
}
