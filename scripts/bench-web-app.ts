// `npx tsx scripts/bench-web-app.ts [--runs=10] [--screenshots=<dir>]`: how fast the web app's first
// screens are interactive in headless Chromium (playwright-core with the system's browser), against
// a server on a free port with a temp SQLite file seeded through the API (an office, agents, an
// admin, sources, leads, pending offers).
//
// Each figure is the page's own clock (performance.now(), from the navigation's start) at the first
// animation frame where the screen is there and usable: the sign-in form; an agent's pending offers
// and leads read from the API; an admin's lead board with its rows. Every run is a new browser
// context (nothing cached) except "warm", which reloads with the browser's cache. The first load
// after the server starts also builds the bundle (esbuild, in memory): timed apart as "cold".
// With --screenshots, saves the main screens as PNG (agent on a phone-sized page, admin on a desktop).
// Prints a table, then one JSON line with every figure.
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createLogger } from '../src/server/logger.js';
import { getSdk } from '../src/sdk/generated.js';
import { findChromium, HOW_TO_GET_CHROMIUM } from '../test/support/chromium.js';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 10);
const shots = process.argv.find((a) => a.startsWith('--screenshots='))?.slice(14);
const chromiumPath = findChromium({ env: process.env });
if (!chromiumPath) {
  process.stderr.write(`no Chromium: ${HOW_TO_GET_CHROMIUM}\n`);
  process.exit(1);
}

const ADMIN_TOKEN = `bench-${Math.random().toString(36).slice(2)}-admin-token`;
const PASSWORD = 'correct horse battery staple';
const dir = mkdtempSync(join(tmpdir(), 'leadrace-bench-web-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const config = loadConfig({ PORT: '0', DATABASE_URL: join(dir, 'bench.db'), BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent', LOGIN_RATE_PER_MINUTE: '100000' });
const server = await startServer({ config, logger: createLogger('silent') });
const sdk = (token: string) => getSdk(new GraphQLClient(`${server.url}/graphql`, { headers: { authorization: `Bearer ${token}` } }));
const admin = sdk(ADMIN_TOKEN);

// ---------------------------------------------------------------- seed, through the API

const office = (await admin.CreateOffice({ name: 'Austin' })).createOffice.id;
const people = [['Ana Alvarez', 'AGENT'], ['Ben Okafor', 'AGENT'], ['Chen Wei', 'AGENT'], ['Ada Admin', 'ADMIN']] as const;
const users: { id: string; email: string; token: string }[] = [];
for (const [name, role] of people) {
  const email = `${name.split(' ')[0]?.toLowerCase()}@brokerage.example`;
  const { createUser } = await admin.CreateUser({ input: { name, email, role, password: PASSWORD, phone: '+15125550100', officeIds: role === 'AGENT' ? [office] : [] } });
  const { login } = await getSdk(new GraphQLClient(`${server.url}/graphql`)).Login({ email, password: PASSWORD });
  users.push({ id: createUser.id, email, token: login.token });
}
const [ana, ben, , ada] = users as [typeof users[0], typeof users[0], typeof users[0], typeof users[0]];
const zillow = (await admin.CreateLeadSource({ input: { name: 'Zillow', raceAgentCount: 3 } })).createLeadSource;
const site = (await admin.CreateLeadSource({ input: { name: 'Brokerage website', raceAgentCount: 1 } })).createLeadSource;
const leads = [
  ['Maria', 'Lopez', 'Relocating in June; wants a yard and good schools.'], ['James', 'Smith', 'Selling a condo downtown.'],
  ['Aisha', 'Khan', 'Pre-approved, looking near Zilker.'], ['Noah', 'Brandt', 'First home, 2-3 bedrooms.'],
  ['Sofia', 'Rossi', 'Investment property, cash buyer.'], ['Kenji', 'Sato', 'Downsizing; needs a single-storey house.'],
];
for (let i = 0; i < 30; i++) {
  const [firstName, lastName, message] = leads[i % leads.length] as [string, string, string];
  const { submitLead } = await admin.SubmitLead({ input: {
    sourceId: i % 3 === 0 ? site.id : zillow.id, firstName, lastName, message,
    email: `${firstName.toLowerCase()}.${i}@example.com`, phone: `+1512555${String(2000 + i)}`,
  } });
  // Some won, some declined, some left pending: every screen has something to show.
  if (i % 3 === 1) {
    const offer = (await sdk(ben.token).MyOffers()).myOffers.find((o) => o.lead.id === submitLead.id);
    if (offer) await sdk(ben.token).AcceptOffer({ offerId: offer.id });
  } else if (i % 5 === 2) {
    const offer = (await sdk(ana.token).MyOffers()).myOffers.find((o) => o.lead.id === submitLead.id);
    if (offer) await sdk(ana.token).AcceptOffer({ offerId: offer.id });
  }
}

// ---------------------------------------------------------------- measure

const browser: Browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };

/**
 * The page's performance.now() at the first animation frame where every selector matches. A
 * function, not a string: the page's Content-Security-Policy allows no eval.
 */
async function readyAt(page: Page, selectors: string[]): Promise<number> {
  const handle = await page.waitForFunction((all: string[]) => {
    const page = globalThis as unknown as { document: { querySelector(s: string): unknown }; performance: { now(): number } };
    return all.every((s) => page.document.querySelector(s) !== null) && page.performance.now();
  }, selectors, { polling: 'raf', timeout: 30_000 });
  return Number(await handle.jsonValue());
}

const SIGN_IN_READY = ['#email', 'button[type=submit]'];
const AGENT_READY = ['.offers .offer button.accept', '.lead-cards li'];
const ADMIN_READY = ['.lead-table tbody tr', '.live-live'];

/** A fresh context signed in as `token` (the app reads it from sessionStorage, as after a sign-in). */
async function signedIn(token: string, viewport: typeof PHONE): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  await context.addInitScript({ content: `sessionStorage.setItem('leadrace.token', ${JSON.stringify(token)})` });
  return { context, page: await context.newPage() };
}

const figures: Record<string, number[]> = { cold: [], signIn: [], agent: [], admin: [], agentWarm: [] };

{
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  figures.cold?.push(await readyAt(page, SIGN_IN_READY));
  await context.close();
}
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  figures.signIn?.push(await readyAt(page, SIGN_IN_READY));
  await context.close();

  const agent = await signedIn(ana.token, PHONE);
  await agent.page.goto(`${server.url}/`);
  figures.agent?.push(await readyAt(agent.page, AGENT_READY));
  await agent.page.reload();
  figures.agentWarm?.push(await readyAt(agent.page, AGENT_READY));
  await agent.context.close();

  const board = await signedIn(ada.token, DESKTOP);
  await board.page.goto(`${server.url}/`);
  figures.admin?.push(await readyAt(board.page, ADMIN_READY));
  await board.context.close();
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const quantile = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? Number.NaN;
const LABELS: Record<string, string> = {
  cold: 'sign-in form, first load after start (bundle built)',
  signIn: 'sign-in form',
  agent: 'agent: pending offers and leads (phone)',
  agentWarm: 'agent: the same, reloaded (browser cache)',
  admin: 'admin: lead board with rows, live (desktop)',
};
process.stdout.write(`\nweb app, first screen interactive (ms from navigation start), ${runs} runs\n`);
for (const [key, xs] of Object.entries(figures)) {
  process.stdout.write(`  ${(LABELS[key] ?? key).padEnd(52)} median ${quantile(xs, 0.5).toFixed(0).padStart(5)}   max ${Math.max(...xs).toFixed(0).padStart(5)}\n`);
}
process.stdout.write(`${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, xs]) => [k, { median: quantile(xs, 0.5), max: Math.max(...xs) }])))}\n`);

// ---------------------------------------------------------------- screenshots

if (shots) {
  const out = resolve(shots);
  mkdirSync(out, { recursive: true });
  const agent = await signedIn(ana.token, PHONE);
  await agent.page.goto(`${server.url}/`);
  await readyAt(agent.page, AGENT_READY);
  await agent.page.screenshot({ path: join(out, 'agent-phone.png'), fullPage: true });
  const signIn = await browser.newPage({ viewport: PHONE });
  await signIn.goto(`${server.url}/`);
  await readyAt(signIn, SIGN_IN_READY);
  await signIn.screenshot({ path: join(out, 'sign-in-phone.png') });
  const board = await signedIn(ada.token, DESKTOP);
  await board.page.goto(`${server.url}/`);
  await readyAt(board.page, ADMIN_READY);
  await board.page.locator('.lead-table tbody tr th button').nth(1).click();
  await board.page.getByRole('heading', { name: 'Why this agent' }).waitFor();
  await board.page.screenshot({ path: join(out, 'admin-leads.png'), fullPage: true });
  for (const tab of ['pool', 'agents', 'sources', 'dashboard']) {
    await board.page.goto(`${server.url}/#${tab}`);
    await board.page.waitForSelector(tab === 'dashboard' ? '.chart svg' : 'main section h2');
    await board.page.waitForTimeout(300);
    await board.page.screenshot({ path: join(out, `admin-${tab}.png`), fullPage: true });
  }
  process.stdout.write(`screenshots in ${out}\n`);
}

await browser.close();
await server.close();
