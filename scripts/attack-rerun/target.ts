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
/** How long a server that failed its probe is given to finish exiting before it counts as still running. */
const EXIT_GRACE_MS = 3000;

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

  private constructor(server: BenchServer, private readonly env: Record<string, string>, private readonly root: string | undefined) {
    this.server = server;
  }

  /** Starts the server of `root` (another checkout, for a before/after; default this one) with `env`. */
  static async start(env: Record<string, string>, root?: string): Promise<Target> {
    return new Target(await startBenchServer({ env, root }), env, root);
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
    // An attack that throws (its connection refused by a server it just stopped) still gets the
    // server restarted for the next one before the error goes on.
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = { value: await attack() };
    } catch (error) {
      outcome = { error };
    }
    running = false;
    await loop;
    const after = await this.probe(options.localAddress);
    // A process that just threw may still be exiting: give it a moment before calling it alive.
    const crashed = !after.ok && (await this.exitedWithin(EXIT_GRACE_MS));
    if (crashed) await this.restart();
    if ('error' in outcome) throw outcome.error;
    return { value: outcome.value, health: { during, after, crashed } };
  }

  /** Whether the process has exited, or does within `ms`. */
  private async exitedWithin(ms: number): Promise<boolean> {
    const until = performance.now() + ms;
    while (this.alive()) {
      if (performance.now() > until) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /** Starts the server again on the same database (a new port: read `url` again). */
  private async restart(): Promise<void> {
    const old = this.server;
    await old.stop({ keepFiles: true });
    this.oldDirs.push(old.dir);
    this.server = await startBenchServer({ env: { ...this.env, DATABASE_URL: old.dbPath }, root: this.root });
  }

  async stop(): Promise<void> {
    await this.server.stop();
    for (const dir of this.oldDirs) rmSync(dir, { recursive: true, force: true });
  }
}
