// The attacked server: the real leadrace process started by scripts/bench/lib/server.ts (NODE_ENV=
// production, SQLite on disk, a free port), plus what every attack needs around it: whether it is
// still up, /healthz probes while an attack runs and after it, and a restart on the same database
// when an attack did stop it (so that one crash does not hide the results of the attacks after it).
import { rmSync } from 'node:fs';
import { startBenchServer, type BenchServer } from '../bench/lib/server.js';
import { httpRequest } from './http.js';

/** A probe that takes longer than this counts as failed (the server is wedged or gone). */
const PROBE_TIMEOUT_MS = 60_000;
/** Pause between probes while an attack runs: often enough to see a stall, light enough not to add load. */
const PROBE_INTERVAL_MS = 50;

export interface Probe {
  ok: boolean;
  ms: number;
}

/** /healthz while an attack ran. */
export interface HealthDuring {
  probes: number;
  failed: number;
  /** The slowest probe (a probe in flight when the attack ended is waited for and counted). */
  maxMs: number;
}

export interface Health {
  during: HealthDuring;
  after: Probe;
  /** The server process had exited by the end of the attack (it was restarted for the next one). */
  crashed: boolean;
}

export class Target {
  private server: BenchServer;
  /** Temp dirs of servers that were restarted: removed at the very end (one holds the database). */
  private readonly oldDirs: string[] = [];

  private constructor(server: BenchServer, private readonly env: Record<string, string>) {
    this.server = server;
  }

  static async start(env: Record<string, string>): Promise<Target> {
    return new Target(await startBenchServer({ env }), env);
  }

  get url(): string { return this.server.url; }
  get port(): number { return Number(new URL(this.server.url).port); }

  /** Whether the server process still exists. */
  alive(): boolean {
    try {
      process.kill(this.server.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** One GET /healthz on a fresh connection, from `localAddress` if given. */
  async probe(localAddress?: string): Promise<Probe> {
    const started = performance.now();
    try {
      const answer = await httpRequest(`${this.url}/healthz`, { localAddress, timeoutMs: PROBE_TIMEOUT_MS });
      return { ok: answer.status === 200, ms: answer.ms };
    } catch {
      return { ok: false, ms: performance.now() - started };
    }
  }

  /**
   * Runs `attack` while /healthz is probed again and again (from `localAddress` if given), then
   * probes once more. If the process is gone afterwards, it is restarted on the same database.
   */
  async during<T>(attack: () => Promise<T>, options: { localAddress?: string } = {}): Promise<{ value: T; health: Health }> {
    const during: HealthDuring = { probes: 0, failed: 0, maxMs: 0 };
    let running = true;
    const loop = (async () => {
      while (running) {
        const p = await this.probe(options.localAddress);
        during.probes += 1;
        if (!p.ok) during.failed += 1;
        during.maxMs = Math.max(during.maxMs, p.ms);
        if (running) await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
      }
    })();
    let value: T;
    try {
      value = await attack();
    } finally {
      running = false;
      await loop;
    }
    const after = await this.probe(options.localAddress);
    const crashed = !this.alive();
    if (crashed) await this.restart();
    return { value, health: { during, after, crashed } };
  }

  /** Starts the server again on the same database (a new port: read `url` again). */
  private async restart(): Promise<void> {
    const old = this.server;
    await old.stop({ keepFiles: true });
    this.oldDirs.push(old.dir);
    this.server = await startBenchServer({ env: { ...this.env, DATABASE_URL: old.dbPath } });
  }

  async stop(): Promise<void> {
    await this.server.stop();
    for (const dir of this.oldDirs) rmSync(dir, { recursive: true, force: true });
  }
}
