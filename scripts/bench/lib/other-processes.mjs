// The other-processes watcher of cpu-usage.ts (watchOtherProcesses), run in a worker thread of its own:
// the load generator's event loop is busy for long stretches (seeding a thousand agents, say), and a
// window read late is a burst spread thin. Plain JavaScript, so that the worker runs without tsx; its
// reading of /proc/<pid>/stat is procStat's in cpu-usage.ts, which a worker without tsx cannot import.
//
// Every `windowMs` it reads every process's CPU time and adds what the others used since the last read:
// not the benchmark's own processes by command name (its servers and itself, PostgreSQL, Redis, tsx's
// esbuild, npm and the shell that started it), nor the kernel's threads (kthreadd, pid 2, and its
// children), which work for every process, ours included (the loopback network's softirqs). Apart from
// those it adds up the kernel's memory-management threads (MEMORY_THREADS): they work for no process of
// ours and take a core while they run. On these machines kdamond (DAMON, sampling page accesses for the
// host's reclaim every 500 ms) runs 4-15 ms a pass under the PostgreSQL benchmark, and the leads sent
// during a pass are the run's slow ones (README, Performance). Asked (any message), it stops and answers
// with the averages and the busiest windows.
import { readdirSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { windowMs, ticksPerSecond } = workerData;
const KTHREADD = 2;
/** Kernel threads that manage memory (DAMON's monitor, reclaim, compaction, huge pages), by command prefix. */
const MEMORY_THREADS = ['kdamond', 'kswapd', 'kcompactd', 'khugepaged'];
const memoryThread = (command) => MEMORY_THREADS.some((prefix) => command.startsWith(prefix));
const ours = (command) => command === 'node' || command === 'postgres' || command === 'redis-server'
  || command === 'esbuild' || command === 'sh' || command.startsWith('npm');

/** Each process's command name, CPU time (ms) and whether it is a kernel thread, for every process readable now. */
function everyProcess() {
  const all = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command is in parentheses and may hold spaces: the fields after it start at the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    all.set(Number(name), {
      command: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond,
      kernel: Number(name) === KTHREADD || Number(fields[1]) === KTHREADD,
    });
  }
  return all;
}

const started = performance.now();
let last = everyProcess();
let lastAt = started;
let totalMs = 0;
let peak = { percentOfCore: 0, command: null };
let memoryTotalMs = 0;
let memoryPeak = { percentOfCore: 0, command: null };

function read() {
  const now = everyProcess();
  const at = performance.now();
  const byCommand = new Map();
  let used = 0;
  const byMemoryThread = new Map();
  let memoryUsed = 0;
  for (const [pid, p] of now) {
    const memory = p.kernel && memoryThread(p.command);
    if ((p.kernel && !memory) || ours(p.command)) continue;
    const before = last.get(pid);
    // A pid that now names another command is a new process: counted from the next read.
    const d = before && before.command === p.command ? p.cpuMs - before.cpuMs : 0;
    if (d <= 0) continue;
    if (memory) {
      memoryUsed += d;
      byMemoryThread.set(p.command, (byMemoryThread.get(p.command) ?? 0) + d);
      continue;
    }
    used += d;
    byCommand.set(p.command, (byCommand.get(p.command) ?? 0) + d);
  }
  totalMs += used;
  memoryTotalMs += memoryUsed;
  const share = (ms) => (at > lastAt ? (100 * ms) / (at - lastAt) : 0);
  const busiest = (byName) => [...byName].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  if (share(used) > peak.percentOfCore) peak = { percentOfCore: share(used), command: busiest(byCommand) };
  if (share(memoryUsed) > memoryPeak.percentOfCore) memoryPeak = { percentOfCore: share(memoryUsed), command: busiest(byMemoryThread) };
  last = now;
  lastAt = at;
}

const timer = setInterval(read, windowMs);
parentPort.once('message', () => {
  clearInterval(timer);
  read();
  const seconds = (performance.now() - started) / 1000;
  const round = (x) => Math.round(x * 10) / 10;
  parentPort.postMessage({
    percentOfCore: round(seconds > 0 ? totalMs / (10 * seconds) : 0),
    peakPercentOfCore: round(peak.percentOfCore),
    peakCommand: peak.command,
    memoryThreads: {
      percentOfCore: round(seconds > 0 ? memoryTotalMs / (10 * seconds) : 0),
      peakPercentOfCore: round(memoryPeak.percentOfCore),
      peakCommand: memoryPeak.command,
    },
  });
});
