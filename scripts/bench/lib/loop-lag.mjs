// A probe for the benchmarks' server children (BENCH_PRELOAD=scripts/bench/lib/loop-lag.mjs, with
// LOOP_LAG_DIR=<dir>): every event-loop lag of 4 ms or more, seen by a 2 ms interval, with the CPU time
// the process used across it, and every GC pause of 1 ms or more, written to <dir>/loop-lag.<pid>.json
// as { gcs: [[epoch ms, ms, kind]], lags: [[epoch ms, lag ms, CPU ms used, interval ms]] }. A lag whose
// CPU time is near its length was the process busy (a long task, GC); one with little CPU time was the
// process waiting for a core. Lined up with --speed-trace's [ms, latency, crossing] by wall-clock time,
// it tells what a slow offer waited for. The interval costs a little CPU itself: compare runs with it on
// both sides. Plain JavaScript: modules given to --import load before tsx is registered.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const dir = process.env.LOOP_LAG_DIR ?? '/tmp';
const EVERY_MS = 2;
const gcs = [];
const lags = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.duration >= 1) gcs.push([Math.round(performance.timeOrigin + e.startTime), +e.duration.toFixed(2), e.detail?.kind ?? null]);
  }
}).observe({ entryTypes: ['gc'] });
let last = performance.now();
let lastCpu = process.cpuUsage();
setInterval(() => {
  const now = performance.now();
  const cpu = process.cpuUsage();
  const lag = now - last - EVERY_MS;
  if (lag >= 4) {
    const usedMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    lags.push([Math.round(performance.timeOrigin + last), +lag.toFixed(2), +usedMs.toFixed(2), +(now - last).toFixed(2)]);
  }
  last = now;
  lastCpu = cpu;
}, EVERY_MS).unref();
const dump = () => writeFileSync(`${dir}/loop-lag.${process.pid}.json`, JSON.stringify({ gcs, lags }));
// Every few seconds too: a child killed without an exit still leaves most of its record.
setInterval(dump, 3000).unref();
process.on('exit', dump);
