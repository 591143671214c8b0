// Where a benchmark's CPU time goes: CPU time per process group (server instances, PostgreSQL's
// backends, Redis, the load generator) read from /proc/<pid>/stat before and after a measured phase,
// beside the whole machine's busy time from /proc/stat, so that "two instances are not faster" can be
// told apart into "the cores are full" and "something waits". Linux only, as the rest of the suite.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Kernel clock ticks per second (USER_HZ), the unit of /proc's CPU times. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  ppid: number;
  /** utime + stime, in ms. */
  cpuMs: number;
  /** stime alone (the kernel's work on the process's behalf: system calls, loopback TCP delivery), in ms. */
  systemMs: number;
  /**
   * How long the process's main thread was runnable but waited for a core (the second field of
   * /proc/<pid>/schedstat), in ms; 0 where the kernel does not keep scheduler statistics. For a Node
   * server this is its event loop waiting for a core: on a busy machine, what a lead waits for.
   */
  waitMs: number;
}

/** The main thread's run-queue wait so far, in ms (0 where /proc/<pid>/schedstat is absent). */
function runQueueWaitMs(pid: number): number {
  try {
    const [, waitNs] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ');
    return Number(waitNs) / 1e6 || 0;
  } catch {
    return 0;
  }
}

/** A process's parent and CPU time so far, or null when it has gone. */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is in parentheses and may hold spaces: the fields after it start at the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { ppid, cpuMs: (ticks * 1000) / TICKS_PER_SECOND, systemMs: (Number(fields[12]) * 1000) / TICKS_PER_SECOND, waitMs: runQueueWaitMs(pid) };
}

/** The children of `parent` (e.g. every process of a PostgreSQL cluster, children of its postmaster). */
export function childrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (procStat(pid)?.ppid === parent) pids.push(pid);
  }
  return pids;
}

/**
 * The whole machine's CPU time so far (all cores), in ms: busy (this machine's own work), stolen (time
 * its virtual CPUs wanted to run and the hypervisor ran something else), and the total.
 */
function machineCpu(): { busyMs: number; stealMs: number; totalMs: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, ...values] = line.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const v = values.slice(0, 8).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const steal = v[7] ?? 0;
  const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
  return { busyMs: ms(total - idle - steal), stealMs: ms(steal), totalMs: ms(total) };
}

export interface MachineShare {
  /** The machine's own work, as a share of all its CPU time (100 = every core busy throughout). */
  busyPercent: number;
  /**
   * CPU time the hypervisor took from this virtual machine, as a share of all its CPU time: its virtual
   * CPUs were ready to run and did not. On these machines it was 0 % in most runs and 20–39 % in one,
   * whose latencies then meant little (a CPU-bound loop on both cores saw none).
   */
  stealPercent: number;
  /** What the machine's other processes took meanwhile (watchOtherProcesses). */
  others: OtherProcesses;
}

/** Starts a reading of the machine's busy and stolen time; `stop()` gives their shares since. */
export function startMachineShare(): { stop(): Promise<MachineShare> } {
  const before = machineCpu();
  const others = watchOtherProcesses();
  return {
    async stop() {
      const after = machineCpu();
      const total = after.totalMs - before.totalMs;
      const pct = (ms: number) => (total > 0 ? Math.round((1000 * ms) / total) / 10 : 0);
      return { busyPercent: pct(after.busyMs - before.busyMs), stealPercent: pct(after.stealMs - before.stealMs), others: await others.stop() };
    },
  };
}

/** How often the other processes are read: a burst shorter than this still shows, spread over one window. */
const OTHERS_WINDOW_MS = 500;

/** CPU time of every process on the machine but the benchmark's own and the kernel's, over a phase. */
export interface OtherProcesses {
  /** Their CPU time as a share of one core, averaged over the phase. */
  percentOfCore: number;
  /** Their busiest window (OTHERS_WINDOW_MS) as a share of one core, and the command that took most of it. */
  peakPercentOfCore: number;
  peakCommand: string | null;
  /**
   * The kernel's memory-management threads (kdamond, kswapd, kcompactd, khugepaged), which the figures
   * above leave out with every kernel thread: the same averages, and the thread that took most of their
   * busiest window.
   */
  memoryThreads: { percentOfCore: number; peakPercentOfCore: number; peakCommand: string | null };
}

/** The watcher, run in a worker thread of its own (other-processes.mjs says why). */
const WATCHER = new URL('./other-processes.mjs', import.meta.url);

/**
 * What the machine's other processes take until `stop()` (WATCHER). These machines run other services
 * beside ours (a message broker among them), and one that takes most of a core for a few hundred ms
 * puts a queue of leads behind it on 2 cores: the slow leads of a run are then its doing, and this says
 * so. A read costs a few ms per window (under 1 % of a core).
 */
function watchOtherProcesses(): { stop(): Promise<OtherProcesses> } {
  const worker = new Worker(WATCHER, { workerData: { windowMs: OTHERS_WINDOW_MS, ticksPerSecond: TICKS_PER_SECOND } });
  worker.unref();
  return {
    async stop() {
      const result = new Promise<OtherProcesses>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage('stop');
      try {
        return await result;
      } finally {
        await worker.terminate();
      }
    },
  };
}

/** Process groups to account for, by label; resolved at the start and again at the end of a phase. */
export type ProcessGroups = () => Promise<Record<string, number[]>>;

export interface CpuGroupUsage {
  group: string;
  /** CPU time in the phase, ms (summed over the group's processes and their threads). */
  cpuMs: number;
  /** cpuMs as a share of one core over the phase (100 = one core busy throughout). */
  percentOfCore: number;
  /** The part of cpuMs spent in the kernel (system time), ms. */
  systemMs: number;
  /** Summed over the group's processes: their main threads' time runnable but waiting for a core, ms. */
  waitMs: number;
}

export interface CpuBreakdown {
  seconds: number;
  cores: number;
  /** Busy time of the whole machine as a share of one core (200 = both of 2 cores full); steal not counted. */
  machinePercentOfCore: number;
  /** CPU time the hypervisor took (steal), as a share of one core. */
  stealPercentOfCore: number;
  /** Machine busy time not in any group: other work on the machine, processes that came and went. */
  otherPercentOfCore: number;
  groups: CpuGroupUsage[];
  loadAverage: { before: number[]; after: number[] };
}

/**
 * Starts accounting: reads every group's processes now; `stop()` reads them again and returns each
 * group's CPU time in between. A process first seen at the end counts from its start; one that ended
 * within the phase is lost to "other". The load generator (this process) is its own group.
 */
export async function startCpuAccounting(groups: ProcessGroups): Promise<{ stop(): Promise<CpuBreakdown> }> {
  const read = async () => {
    const byGroup = await groups();
    const perPid = new Map<number, { group: string; cpuMs: number; systemMs: number; waitMs: number }>();
    for (const [group, pids] of Object.entries(byGroup)) {
      for (const pid of pids) {
        const stat = procStat(pid);
        if (stat && !perPid.has(pid)) perPid.set(pid, { group, cpuMs: stat.cpuMs, systemMs: stat.systemMs, waitMs: stat.waitMs });
      }
    }
    const self = process.cpuUsage();
    return {
      perPid, selfMs: (self.user + self.system) / 1000, selfSystemMs: self.system / 1000, selfWaitMs: runQueueWaitMs(process.pid),
      machine: machineCpu(), at: performance.now(),
    };
  };
  const loadBefore = loadavg();
  const before = await read();
  return {
    async stop(): Promise<CpuBreakdown> {
      const after = await read();
      const seconds = (after.at - before.at) / 1000;
      const pct = (ms: number) => (seconds > 0 ? (100 * ms) / (seconds * 1000) : 0);
      const byGroup = new Map<string, number>();
      const systemByGroup = new Map<string, number>();
      const waitByGroup = new Map<string, number>();
      const add = (map: Map<string, number>, group: string, ms: number) => map.set(group, (map.get(group) ?? 0) + Math.max(0, ms));
      for (const [pid, a] of after.perPid) {
        const b = before.perPid.get(pid);
        add(byGroup, a.group, a.cpuMs - (b?.cpuMs ?? 0));
        add(systemByGroup, a.group, a.systemMs - (b?.systemMs ?? 0));
        add(waitByGroup, a.group, a.waitMs - (b?.waitMs ?? 0));
      }
      const self = 'load generator (this process)';
      byGroup.set(self, after.selfMs - before.selfMs);
      systemByGroup.set(self, after.selfSystemMs - before.selfSystemMs);
      waitByGroup.set(self, after.selfWaitMs - before.selfWaitMs);
      const machineMs = after.machine.busyMs - before.machine.busyMs;
      const accounted = [...byGroup.values()].reduce((a, b) => a + b, 0);
      return {
        seconds,
        cores: cpus().length,
        machinePercentOfCore: pct(machineMs),
        stealPercentOfCore: pct(after.machine.stealMs - before.machine.stealMs),
        otherPercentOfCore: pct(Math.max(0, machineMs - accounted)),
        groups: [...byGroup.entries()].map(([group, cpuMs]) => ({
          group, cpuMs, percentOfCore: pct(cpuMs), systemMs: systemByGroup.get(group) ?? 0, waitMs: waitByGroup.get(group) ?? 0,
        })),
        loadAverage: { before: loadBefore, after: loadavg() },
      };
    },
  };
}
