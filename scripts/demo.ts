// `npm run demo`: starts leadrace on a temporary database, builds a small brokerage, connects four
// simulated agents over WebSockets, submits leads, and prints the races as they happen. Each agent
// has a habit: one accepts quickly, one declines, one never answers, one is slow.
// `npm run demo -- --keep`: afterwards the server keeps running (the simulated agents leave), and the
// URL and tokens are printed, so the races it made can be explored in the IDE; Ctrl+C stops it.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { getSdk } from '../src/sdk/generated.js';
import { startServer } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';

const TOKEN = 'demo-admin-token-0123456789';
const keep = process.argv.slice(2).includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'leadrace-demo-'));
const started = Date.now();
const stamp = () => `[+${((Date.now() - started) / 1000).toFixed(1).padStart(4)}s]`;
const say = (line: string) => process.stdout.write(`${stamp()} ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Habit = { name: string; does: 'accept' | 'decline' | 'ignore'; afterMs: number };
const HABITS: Habit[] = [
  { name: 'Ana Quick', does: 'accept', afterMs: 700 },
  { name: 'Ben Busy', does: 'decline', afterMs: 400 },
  { name: 'Cruz Away', does: 'ignore', afterMs: 0 },
  { name: 'Dee Slow', does: 'accept', afterMs: 2500 },
];

async function main(): Promise<void> {
  // With --keep, PORT picks the port to explore on (the OS picks one otherwise).
  const config = loadConfig({
    PORT: keep ? process.env.PORT ?? '0' : '0', DATABASE_URL: join(dir, 'demo.db'), BOOTSTRAP_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent',
  });
  const server = await startServer({ config, logger: pino({ level: 'silent' }) });
  const url = `${server.url}/graphql`;
  const wsUrl = url.replace('http', 'ws');
  const admin = getSdk(new GraphQLClient(url, { headers: { authorization: `Bearer ${TOKEN}` } }));
  say(`leadrace is up at ${url} (temporary database in ${dir})`);

  const office = (await admin.CreateOffice({ name: 'Austin' })).createOffice;
  const names = new Map<string, string>();
  const sockets: ReturnType<typeof createClient>[] = [];
  const agentIds: string[] = [];
  const agentTokens: [string, string][] = [];
  for (const habit of HABITS) {
    const user = (await admin.CreateUser({ input: { name: habit.name, email: `${habit.name.split(' ')[0]?.toLowerCase()}@demo.test`, role: 'AGENT', officeIds: [office.id] } })).createUser;
    names.set(user.id, habit.name);
    agentIds.push(user.id);
    const token = (await admin.IssueApiToken({ userId: user.id })).issueApiToken.token;
    agentTokens.push([habit.name, token]);
    const sdk = getSdk(new GraphQLClient(url, { headers: { authorization: `Bearer ${token}` } }));
    const socket = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
    sockets.push(socket);
    socket.subscribe<{ offers: { type: string; offer: { id: string; round: number; lead: { id: string; firstName: string } } } }>(
      { query: 'subscription { offers { type offer { id round lead { id firstName } } } }' },
      {
        next: ({ data }) => {
          const e = data?.offers;
          if (!e) return;
          if (e.type === 'RECEIVED') {
            say(`  📱 ${habit.name}'s phone lights up: ${e.offer.lead.firstName} (lead ${e.offer.lead.id}, round ${e.offer.round})`);
            if (habit.does === 'ignore') return;
            setTimeout(() => {
              const act = habit.does === 'accept' ? sdk.AcceptOffer({ offerId: e.offer.id }) : sdk.DeclineOffer({ offerId: e.offer.id });
              act.then(
                () => say(`  ${habit.does === 'accept' ? '✋' : '🙅'} ${habit.name} ${habit.does}s lead ${e.offer.lead.id}`),
                (err: { response?: { errors?: { extensions?: { code?: string } }[] } }) =>
                  say(`  ⌛ ${habit.name} tried to ${habit.does} lead ${e.offer.lead.id}: ${err.response?.errors?.[0]?.extensions?.code ?? 'error'}`),
              );
            }, habit.afterMs);
          } else if (e.type === 'TAKEN') {
            say(`  💨 ${habit.name}: lead ${e.offer.lead.id} was taken by someone faster`);
          }
        },
        error: () => {},
        complete: () => {},
      },
    );
  }
  await sleep(300);

  // The admins' live feed: every lead event, as the dashboard would show it.
  const adminSocket = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${TOKEN}` } });
  sockets.push(adminSocket);
  const settled = new Set<string>();
  adminSocket.subscribe<{ leadEvents: { type: string; agent: { id: string } | null; lead: { id: string; state: string; kind: string } } }>(
    { query: 'subscription { leadEvents { type agent { id } lead { id state kind } } }' },
    {
      next: ({ data }) => {
        const e = data?.leadEvents;
        if (!e) return;
        const who = e.agent ? names.get(e.agent.id) ?? e.agent.id : '';
        say(`${e.type.padEnd(10)} lead ${e.lead.id}${e.type === 'CREATED' ? ` (${e.lead.kind})` : ''}${who ? ` · ${who}` : ''}`);
        if (e.lead.state !== 'ROUTING') settled.add(e.lead.id);
      },
      error: () => {},
      complete: () => {},
    },
  );
  await sleep(200);

  const website = (await admin.CreateLeadSource({ input: { name: 'Brokerage website', officeIds: [office.id], raceAgentCount: 2, acceptanceWindowSeconds: 3, referralFeePercent: 25 } })).createLeadSource;
  const portal = (await admin.CreateLeadSource({ input: { name: 'Portal', raceAgentCount: 1, acceptanceWindowSeconds: 2, directToUserAutoAccept: true } })).createLeadSource;
  say(`sources: "${website.name}" races 2 agents for 3 s (25% fee); "${portal.name}" offers 1 agent at a time for 2 s`);

  const leads: string[] = [];
  // Said before the lead is submitted: its events (CREATED, OFFERED...) arrive on the admin feed while
  // submitLead is still answering, and would otherwise be printed before the lead they belong to.
  const submit = async (label: string, input: Parameters<typeof admin.SubmitLead>[0]['input']) => {
    say(`➡️  ${label}: ${input.firstName} comes in`);
    leads.push((await admin.SubmitLead({ input })).submitLead.id);
  };
  await submit('a buyer fills the website form', { sourceKey: website.publicKey, firstName: 'Maya', email: 'maya@example.com', message: '3-bed near Zilker?' });
  await sleep(3000);
  await submit('a portal inquiry', { sourceId: portal.id, firstName: 'Omar', phone: '+15125550142' });
  await sleep(3000);
  await submit("a lead from Cruz's own listing (auto-accepted, no fee)", { sourceId: portal.id, targetUserId: agentIds[2], firstName: 'Lena' });
  await sleep(1000);
  await submit('another website lead', { sourceKey: website.publicKey, firstName: 'Theo' });

  for (let i = 0; i < 120 && leads.some((id) => !settled.has(id)); i++) await sleep(100);
  await sleep(300);

  say('summary:');
  for (const id of leads) {
    const { lead } = await admin.Lead({ id });
    const owner = lead.owner ? names.get(lead.owner.id) : 'nobody (admins\' pool)';
    process.stdout.write(`   lead ${id} ${lead.firstName.padEnd(5)} ${lead.state.padEnd(10)} owner: ${owner}` +
      `${lead.referralFeePercent != null ? `, fee ${lead.referralFeePercent}%` : ''}; offers: ${lead.offers.map((o) => `${names.get(o.agent.id)?.split(' ')[0]}=${o.state}`).join(', ')}\n`);
  }
  const first = leads[0];
  if (first) {
    const { lead } = await admin.LeadRouting({ id: first });
    process.stdout.write(`   why lead ${first} went where it did:\n`);
    for (const r of lead.routing ?? []) process.stdout.write(`     round ${r.round}: ${names.get(r.agent.id)} → ${r.reason}\n`);
  }
  await Promise.all(sockets.map((s) => s.dispose()));
  if (keep) {
    printExploreHelp(url, agentTokens, leads[0] ?? '1');
    await stopSignal();
    process.stdout.write('stopping the demo server…\n');
  }
  await server.close();
}

/** What a newcomer needs to explore the demo's leads in the IDE. */
function printExploreHelp(url: string, agentTokens: [string, string][], firstLead: string): void {
  const lines = [
    '',
    `The demo server keeps running: open ${url} in a browser (GraphiQL).`,
    'In the Headers tab, as the admin:',
    `  { "Authorization": "Bearer ${TOKEN}" }`,
    'or as one of the agents:',
    ...agentTokens.map(([name, token]) => `  ${name.padEnd(10)} { "Authorization": "Bearer ${token}" }`),
    'and try:',
    `  { lead(id: "${firstLead}") { firstName state owner { name } offers { state round agent { name } } routing(last: true) { round agent { name } reason } } }`,
    '  { leads(first: 10) { edges { node { id firstName state owner { name } } } } leadSources { name nextUp { name } } }',
    'Subscriptions run on the same URL: subscription { leadEvents { type at lead { id state } } }',
    'Press Ctrl+C to stop it (its temporary database is deleted).',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Resolves on the first Ctrl+C (SIGINT) or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

main().then(
  () => { rmSync(dir, { recursive: true, force: true }); process.exit(0); },
  (err: unknown) => { console.error(err); rmSync(dir, { recursive: true, force: true }); process.exit(1); },
);
