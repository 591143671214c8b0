// A redis-server of the benchmark's own on a free port: the PostgreSQL runs' event bus, kept apart
// from the shared Redis at 6379 (which tests on this machine may restart mid-run) and with a process
// of its own, so its CPU time can be told apart (cpu-usage.ts).
import { spawn } from 'node:child_process';
import { freePort } from './server.js';

export interface PrivateRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `redis-server` without persistence; resolves once it accepts connections. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A benchmark that throws or is interrupted must not leave it running.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${out}`)), 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) { clearTimeout(timer); resolve(); }
    });
    child.once('error', (err) => { clearTimeout(timer); reject(new Error(`redis-server could not be started (is Redis installed?): ${err.message}`)); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${out}`)); });
  });
  child.stdout.resume();
  child.stderr.resume();
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server has no pid');
  return {
    url: `redis://127.0.0.1:${port}`,
    pid,
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
