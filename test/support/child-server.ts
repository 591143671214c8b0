// The real server as a child process (`node --import tsx/esm src/main.ts`), for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { SERVER_NODE_OPTIONS, TS_LOADER } from '../../src/server/node-options.js';
import { ADMIN_TOKEN } from './server.js';
import { databaseUrlFor } from './test-database.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const children: ChildProcess[] = [];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts the server on `dbPath` (a SQLite path; on TEST_STORE=postgres, the database made for it) and `port` and resolves once /healthz answers. */
export async function startChild(dbPath: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, ...TS_LOADER, 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, PORT: String(port), BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn', ...env,
      DATABASE_URL: await databaseUrlFor(env.DATABASE_URL ?? dbPath),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch { /* not up yet */ }
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start: ${stderr}`);
}

/** SIGKILL: no shutdown code runs, as in a crash. */
export function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export function killAllChildren(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}
