// Starts the real leadrace server as a child process (production settings, SQLite on disk, a free
// port on 127.0.0.1) so that a benchmark measures the server as deployed, not in-process.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_OPTIONS, TS_LOADER } from '../../../src/server/node-options.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** How long the server may take to start (tsx compiles the sources on first load). */
const START_TIMEOUT_MS = 60_000;

export interface BenchServer {
  url: string;
  wsUrl: string;
  pid: number;
  dir: string;
  dbPath: string;
  /** The child's resident set size in bytes, read from /proc/<pid>/status (VmRSS). */
  rss(): number;
  /**
   * SIGTERM, then SIGKILL after 10 s; resolves when the child has exited. Removes the temp dir
   * unless keepFiles (then call removeFiles() after reading the database).
   */
  stop(opts?: { keepFiles?: boolean }): Promise<void>;
  removeFiles(): void;
}

const children = new Set<ChildProcess>();
// A benchmark that throws or is interrupted must not leave servers running.
process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { for (const c of children) c.kill('SIGKILL'); process.exit(130); });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export interface StartOptions {
  /** Directory for V8 CPU profiles (node --cpu-prof); none when unset. */
  cpuProfDir?: string;
  /** Extra environment for the child. */
  env?: Record<string, string>;
  /** The checkout whose server to start (another worktree, for a before/after); default this one. */
  root?: string;
}

export async function startBenchServer(opts: StartOptions = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'leadrace-bench-'));
  const dbPath = join(dir, 'bench.db');
  const port = await freePort();
  // Started as `npm start` starts it (src/server/node-options.ts).
  const nodeArgs = [...SERVER_NODE_OPTIONS, ...TS_LOADER];
  // A diagnostic probe of one's own in the server (run.ts: BENCH_PRELOAD).
  if (process.env.BENCH_PRELOAD) nodeArgs.push('--import', process.env.BENCH_PRELOAD);
  // Node/V8 flags of one's own for the servers, space-separated (BENCH_NODE_ARGS="--trace-gc-nvp", say:
  // flags NODE_OPTIONS refuses); with BENCH_SERVER_LOG their output is kept.
  if (process.env.BENCH_NODE_ARGS) nodeArgs.push(...process.env.BENCH_NODE_ARGS.split(/\s+/).filter(Boolean));
  if (opts.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
  // BENCH_SERVER_LOG: the server writes its log straight to <prefix>.<port>.log. Not through a pipe to
  // this process: a pipe is a synchronous stdout for Node on Linux, so at info level the server waited
  // for the load generator to read its lines (speed p50 22-31 ms against 5 at warn, PG x1).
  const logFile = process.env.BENCH_SERVER_LOG ? `${process.env.BENCH_SERVER_LOG}.${port}.log` : null;
  const logFd = logFile ? openSync(logFile, 'w') : null;
  const child = spawn(process.execPath, [...nodeArgs, 'src/main.ts'], {
    cwd: opts.root ?? ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      // BENCH_LOG_LEVEL and BENCH_SERVER_LOG (a path prefix: <prefix>.<port>.log) keep a server's log to read after a run.
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      DATABASE_URL: dbPath,
      BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      // Every simulated agent connects from 127.0.0.1: the per-address cap (256) is for real clients.
      MAX_CONNECTIONS_PER_ADDRESS: '0',
      // Where the loop-lag probe (lib/loop-lag.mjs, via BENCH_PRELOAD) writes.
      ...(process.env.LOOP_LAG_DIR ? { LOOP_LAG_DIR: process.env.LOOP_LAG_DIR } : {}),
      ...opts.env,
    },
    stdio: ['ignore', logFd ?? 'pipe', 'pipe'],
  });
  if (logFd !== null) closeSync(logFd);
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { children.delete(child); resolve(); }));

  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS);
    const up = () => { clearTimeout(timer); clearInterval(poll ?? undefined); resolve(); };
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('leadrace is up')) up();
    });
    // Logging to a file: its start line is read from there.
    const poll = logFile === null ? null : setInterval(() => {
      if (readFileSync(logFile, 'utf8').includes('leadrace is up')) up();
    }, 50);
    child.once('exit', (code) => { clearTimeout(timer); clearInterval(poll ?? undefined); reject(new Error(`server exited with ${code}:\n${stderr}`)); });
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout?.resume();

  const pid = child.pid;
  if (pid === undefined) throw new Error('server child has no pid');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    pid,
    dir,
    dbPath,
    rss: () => readRss(pid),
    async stop(stopOpts) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      if (stderr.trim()) process.stderr.write(`[server ${pid} stderr]\n${stderr}\n`);
      stderr = '';
      if (!stopOpts?.keepFiles) rmSync(dir, { recursive: true, force: true });
    },
    removeFiles: () => rmSync(dir, { recursive: true, force: true }),
  };
}
