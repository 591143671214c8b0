// Benchmark 6, message lag: leads submitted at a steady rate, each offered to one agent with a phone,
// so each sends one SMS and one email; the time from the lead's commit (its createdAt, stamped in
// the routing transaction) to the provider receiving the request: the SMS API's HTTP request, the
// SMTP server's MAIL FROM. Both providers run in this process; each scenario runs on a fresh server:
//   providers at 0 ms     both answer at once: the baseline of the others
//   <slow> provider 2 s   the SMS API (default), the SMTP server, or both answer after --notify-delay
// With --notify-baseline-root=<checkout> (another worktree, e.g. main) the same scenarios run
// against that checkout's server too, beside this one's figures.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Args } from './lib/args.js';
import { HttpGql } from './lib/http-client.js';
import { createOffice, createSource, SUBMIT } from './lib/seed.js';
import { ADMIN_TOKEN, startBenchServer, type BenchServer, type StartOptions } from './lib/server.js';
import { figure, pool, round, sleep, steadyRate, summary, type Figure } from './lib/stats.js';

/** Lead first names carry the run and sequence number: "lr<run>n<i>", found again in each message. */
const TAG = /lr(\d+)n(\d+)/;
const CLK_TCK = 100;

interface Providers {
  smsUrl: string;
  smtpUrl: string;
  /** Delays of the next scenario, ms. */
  delay: { sms: number; email: number };
  /** When each lead's message reached the provider (Date.now()), by tag. */
  arrived: { sms: Map<string, number>; email: Map<string, number> };
  smtpConnections: number;
  close(): Promise<void>;
}

async function startProviders(): Promise<Providers> {
  const p: Providers = {
    smsUrl: '', smtpUrl: '', delay: { sms: 0, email: 0 }, arrived: { sms: new Map(), email: new Map() }, smtpConnections: 0,
    close: async () => undefined,
  };
  const sms = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('Body') ?? '';
      const tag = TAG.exec(body)?.[0];
      if (tag && !p.arrived.sms.has(tag)) p.arrived.sms.set(tag, at);
      const answer = () => res.writeHead(201, { 'content-type': 'application/json' }).end('{"sid":"SM1"}');
      if (p.delay.sms > 0) setTimeout(answer, p.delay.sms);
      else answer();
    });
  });
  sms.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => sms.listen(0, '127.0.0.1', resolve));
  const mailFrom = new Map<string, number>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 10_000,
    onConnect(_session, callback) {
      p.smtpConnections++;
      callback();
    },
    onMailFrom(_address, session, callback) {
      mailFrom.set(session.id, Date.now());
      callback();
    },
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (c: Buffer) => { if (head.length < 4096) head += c.toString('utf8'); });
      stream.on('end', () => {
        const tag = /^Subject: .*$/m.exec(head)?.[0].match(TAG)?.[0];
        const at = mailFrom.get(session.id);
        if (tag && at !== undefined && !p.arrived.email.has(tag)) p.arrived.email.set(tag, at);
        if (p.delay.email > 0) setTimeout(() => callback(), p.delay.email);
        else callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  p.smsUrl = `http://127.0.0.1:${(sms.address() as AddressInfo).port}`;
  p.smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  p.close = async () => {
    sms.closeAllConnections();
    await new Promise<void>((resolve) => sms.close(() => resolve()));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  };
  return p;
}

/** The server's CPU time so far (user + system), ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) || 0) + (Number(fields[12]) || 0)) * (1000 / CLK_TCK);
}

interface ScenarioResult {
  sms: ReturnType<typeof summary>;
  email: ReturnType<typeof summary>;
  sent: number;
  delivered: { sms: number; email: number };
  /** The server's CPU time per lead from the first lead to the last message (intake, routing and both sends). */
  serverCpuMsPerLead: number;
  smtpConnections: number;
}

let runSeq = 0;

async function scenario(p: Providers, opts: StartOptions, root: string | undefined, load: { rate: number; seconds: number; agents: number; drainSec: number }, delay: { sms: number; email: number }): Promise<ScenarioResult> {
  const run = ++runSeq;
  p.delay = delay;
  const connectionsBefore = p.smtpConnections;
  const server: BenchServer = await startBenchServer({
    ...opts,
    root,
    env: {
      ...opts.env,
      SMTP_URL: p.smtpUrl, SMTP_FROM: 'Bench <bench@bench.example>',
      SMS_API_URL: p.smsUrl, SMS_ACCOUNT_SID: 'ACbench', SMS_AUTH_TOKEN: 'bench', SMS_FROM: '+15125550000',
    },
  });
  const http = new HttpGql(server.url, 64);
  try {
    const office = await createOffice(http, `Notify ${run}`);
    await pool(Math.ceil(load.agents / 50), 4, async (b) => {
      const users: string[] = [];
      for (let i = b * 50; i < Math.min(load.agents, (b + 1) * 50); i++) {
        users.push(`u${i}: createUser(input: { name: "Notify agent ${i}", email: "notify-${run}-${i}@bench.example",
          phone: "+1512${String(5_000_000 + i).padStart(7, '0')}", role: AGENT, officeIds: ["${office}"], handle: "notify-${run}-${i}" }) { id }`);
      }
      await http.data(`mutation { ${users.join('\n')} }`, undefined, ADMIN_TOKEN);
    });
    const source = await createSource(http, { name: 'Notify web form', raceAgentCount: 1, acceptanceWindowSeconds: 900, officeIds: [office] });
    const committed = new Map<string, number>();
    const submit = async (name: string) => {
      const res = await http.post<{ submitLead: { createdAt: string } }>(SUBMIT, { input: { sourceId: source.id, firstName: name, message: 'Looking for a 3-bed house' } }, ADMIN_TOKEN);
      if (res.errors?.length || !res.data) throw new Error(`submitLead failed: ${JSON.stringify(res.errors)}`);
      committed.set(name, Date.parse(res.data.submitLead.createdAt));
    };
    // Warm-up (JIT, statements, SMTP pool), not measured.
    await steadyRate(load.rate, Math.round(load.rate), (i) => submit(`lr${run}w${i}`));
    await sleep(delay.sms + delay.email + 500);

    const count = Math.round(load.rate * load.seconds);
    const cpuBefore = cpuMs(server.pid);
    await steadyRate(load.rate, count, (i) => submit(`lr${run}n${i}`));
    const mine = (m: Map<string, number>) => [...m.keys()].filter((k) => k.startsWith(`lr${run}n`)).length;
    const deadline = performance.now() + load.drainSec * 1000;
    while ((mine(p.arrived.sms) < count || mine(p.arrived.email) < count) && performance.now() < deadline) await sleep(50);
    const cpu = cpuMs(server.pid) - cpuBefore;

    const lags = (m: Map<string, number>) => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const name = `lr${run}n${i}`;
        const at = m.get(name);
        const c = committed.get(name);
        // Not delivered within the drain: counted as endless, so a percentile it reaches says so.
        out.push(at === undefined || c === undefined ? Number.POSITIVE_INFINITY : at - c);
      }
      return out;
    };
    return {
      sms: summary(lags(p.arrived.sms)),
      email: summary(lags(p.arrived.email)),
      sent: count,
      delivered: { sms: mine(p.arrived.sms), email: mine(p.arrived.email) },
      serverCpuMsPerLead: round(cpu / count, 2),
      smtpConnections: p.smtpConnections - connectionsBefore,
    };
  } finally {
    http.close();
    await server.stop();
  }
}

export async function notify(args: Args, serverOpts: StartOptions): Promise<{ figures: Figure[]; detail: object }> {
  const load = {
    rate: args.num('notify-rate', 100),
    seconds: args.num('notify-duration', 10),
    agents: args.num('notify-agents', 100),
    drainSec: args.num('notify-drain', 30),
  };
  const delayMs = args.num('notify-delay', 2000);
  const slow = args.str('notify-slow', 'sms');
  if (slow !== 'sms' && slow !== 'email' && slow !== 'both') throw new Error(`--notify-slow: sms, email or both, not "${slow}"`);
  const baselineRoot = args.str('notify-baseline-root', '');
  const slowDelay = { sms: slow === 'email' ? 0 : delayMs, email: slow === 'sms' ? 0 : delayMs };
  const slowLabel = `${slow === 'both' ? 'SMS + SMTP' : slow === 'sms' ? 'SMS API' : 'SMTP server'} answering in ${delayMs / 1000} s`;

  const providers = await startProviders();
  try {
    const fast = await scenario(providers, serverOpts, undefined, load, { sms: 0, email: 0 });
    const slowRun = await scenario(providers, serverOpts, undefined, load, slowDelay);
    const old = baselineRoot
      ? { fast: await scenario(providers, serverOpts, baselineRoot, load, { sms: 0, email: 0 }), slow: await scenario(providers, serverOpts, baselineRoot, load, slowDelay) }
      : null;

    const at = `${load.rate} leads/s, ${load.seconds} s`;
    const base = 'providers at 0 ms, same run';
    const figures: Figure[] = [];
    for (const channel of ['sms', 'email'] as const) {
      const name = channel === 'sms' ? 'SMS' : 'email';
      figures.push(
        figure({ bench: 'notify', metric: `${name} lag p50, providers at 0 ms (${at})`, value: fast[channel].p50, unit: 'ms', baseline: null, baselineLabel: null, target: null, pass: null }),
        figure({ bench: 'notify', metric: `${name} lag p99, providers at 0 ms (${at})`, value: fast[channel].p99, unit: 'ms', baseline: null, baselineLabel: null, target: null, pass: null }),
        figure({ bench: 'notify', metric: `${name} lag p50, ${slowLabel}`, value: slowRun[channel].p50, unit: 'ms', baseline: fast[channel].p50, baselineLabel: base, target: null, pass: null }),
        figure({ bench: 'notify', metric: `${name} lag p99, ${slowLabel}`, value: slowRun[channel].p99, unit: 'ms', baseline: fast[channel].p99, baselineLabel: base, target: null, pass: null }),
      );
    }
    figures.push(
      figure({ bench: 'notify', metric: `messages delivered, ${slowLabel}`, value: slowRun.delivered.sms + slowRun.delivered.email, unit: 'msgs', baseline: 2 * slowRun.sent, baselineLabel: 'sent', target: 'all', pass: slowRun.delivered.sms + slowRun.delivered.email === 2 * slowRun.sent }),
      figure({ bench: 'notify', metric: 'server CPU per lead (intake + 2 messages), providers at 0 ms', value: fast.serverCpuMsPerLead, unit: 'ms', baseline: null, baselineLabel: null, target: null, pass: null }),
    );
    if (old) {
      const label = 'this code, same scenario';
      for (const channel of ['sms', 'email'] as const) {
        const name = channel === 'sms' ? 'SMS' : 'email';
        figures.push(
          figure({ bench: 'notify (baseline root)', metric: `${name} lag p50, providers at 0 ms`, value: old.fast[channel].p50, unit: 'ms', baseline: fast[channel].p50, baselineLabel: label, target: null, pass: null }),
          figure({ bench: 'notify (baseline root)', metric: `${name} lag p99, providers at 0 ms`, value: old.fast[channel].p99, unit: 'ms', baseline: fast[channel].p99, baselineLabel: label, target: null, pass: null }),
          figure({ bench: 'notify (baseline root)', metric: `${name} lag p50, ${slowLabel}`, value: old.slow[channel].p50, unit: 'ms', baseline: slowRun[channel].p50, baselineLabel: label, target: null, pass: null }),
          figure({ bench: 'notify (baseline root)', metric: `${name} lag p99, ${slowLabel}`, value: old.slow[channel].p99, unit: 'ms', baseline: slowRun[channel].p99, baselineLabel: label, target: null, pass: null }),
        );
      }
      figures.push(
        figure({ bench: 'notify (baseline root)', metric: `messages delivered within ${load.drainSec} s, ${slowLabel}`, value: old.slow.delivered.sms + old.slow.delivered.email, unit: 'msgs', baseline: slowRun.delivered.sms + slowRun.delivered.email, baselineLabel: label, target: null, pass: null }),
        figure({ bench: 'notify (baseline root)', metric: 'server CPU per lead (intake + 2 messages), providers at 0 ms', value: old.fast.serverCpuMsPerLead, unit: 'ms', baseline: fast.serverCpuMsPerLead, baselineLabel: label, target: null, pass: null }),
      );
    }
    return { figures, detail: { load, delayMs, slow, fast, slow2s: slowRun, baselineRoot: baselineRoot || null, old } };
  } finally {
    await providers.close();
  }
}
