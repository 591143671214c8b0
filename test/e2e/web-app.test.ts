// The web app on GET / (src/web), driven in a real headless Chromium (skipped without one, except in
// CI: support/browser.ts) against the real server on a free port, with a ManualClock that moves only
// when a test says so. Agents on a phone-sized page, an admin on a desktop one. What it proves:
// sign-in (a wrong password says so), an offer arriving live over the app's graphql-ws socket with a
// countdown, Accept showing the contact details (and the API agreeing), Decline, an offer taken by
// another agent or expired disappearing with a note, an admin seeing a lead arrive and move without
// reloading, the routing trace, assigning from the pool, the dashboard's charts drawn from
// leadStats, availability; and throughout, no request leaving the server's origin, no
// Content-Security-Policy violation and no script error. The page's HTTP side is checked too.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelRegistry, type EventBus } from '../../src/events/event-bus.js';
import { WEB_APP_CONTENT_SECURITY_POLICY } from '../../src/server/web-app-page.js';
import { ManualClock } from '../../src/time/clock.js';
import { chromiumForTests, launchChromium } from '../support/browser.js';
import { ADMIN_TOKEN, startTestServer, type Sdk, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

const chromiumPath = chromiumForTests();
// Starts at the real time, so that the browser's countdown (on its own clock, the server's Date
// header agreeing) and the server's windows line up; it moves only when a test advances it.
const clock = new ManualClock(Date.now());
// The in-process event bus, built from its registry so that a test can wait until a page's
// subscription is listening before it makes the event that subscription must deliver live.
const registry = new ChannelRegistry();
const bus: EventBus = {
  publish: (channel, payload) => registry.deliver(channel, payload),
  subscribe: <T>(channel: string) => registry.subscribe<T>(channel),
};
const PASSWORD = 'correct horse battery staple';

let t: TestServer;
let browser: Browser | undefined;
/** Requests aimed at another host: aborted in the browser, never sent. */
const leaving: string[] = [];
/** Every URL any page asked for, HTTP and WebSocket. */
const requested: string[] = [];
const violations: string[] = [];
const scriptErrors: string[] = [];
const pages: Page[] = [];

interface Person {
  id: string;
  name: string;
  email: string;
  sdk: Sdk;
}

let seq = 0;
async function person(role: 'AGENT' | 'ADMIN', officeIds: string[] = []): Promise<Person> {
  seq += 1;
  const name = `${role === 'ADMIN' ? 'Admin' : 'Agent'} ${String.fromCharCode(64 + seq)}${seq}`;
  const email = `web${seq}-${Math.random().toString(36).slice(2, 7)}@example.com`;
  const { createUser } = await t.admin.CreateUser({ input: { name, email, role, officeIds, password: PASSWORD, phone: '+15125550100' } });
  const { issueApiToken } = await t.admin.IssueApiToken({ userId: createUser.id });
  return { id: createUser.id, name, email, sdk: t.sdk(issueApiToken.token) };
}

async function office(): Promise<string> {
  return (await t.admin.CreateOffice({ name: `Office ${++seq}` })).createOffice.id;
}

async function source(name: string, officeIds: string[], raceAgentCount = 1) {
  return (await t.admin.CreateLeadSource({ input: { name, officeIds, raceAgentCount } })).createLeadSource;
}

interface Opened {
  page: Page;
  /** Frames the page received over its WebSockets. */
  received: string[];
}

/** A page in a context of its own (its own sessionStorage), watched for what the suite forbids. */
async function openPage(viewport: { width: number; height: number }): Promise<Opened> {
  const context = await (browser as Browser).newContext({ viewport });
  const page = await context.newPage();
  // Shorter than the test's own timeout, so that a wait that fails says which.
  page.setDefaultTimeout(10_000);
  pages.push(page);
  const received: string[] = [];
  page.on('request', (r) => { requested.push(r.url()); });
  page.on('websocket', (ws) => {
    requested.push(ws.url());
    ws.on('framereceived', (f) => { received.push(String(f.payload)); });
  });
  page.on('pageerror', (err) => { scriptErrors.push(err.message); });
  page.on('console', (m) => { if (m.type() === 'error') scriptErrors.push(m.text()); });
  await page.route((url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost', async (route) => {
    leaving.push(route.request().url());
    await route.abort('blockedbyclient');
  });
  await page.exposeFunction('reportViolation', (v: string) => { violations.push(v); });
  await page.addInitScript({ content: `document.addEventListener('securitypolicyviolation',
    (e) => window.reportViolation(e.effectiveDirective + ' ' + e.blockedURI));` });
  await page.goto(`${t.url}/`);
  return { page, received };
}

async function signIn(page: Page, who: Person): Promise<void> {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();
}

/** Waits until the server delivers `channel`'s events to a subscriber (a page's subscription). */
async function listening(channel: string): Promise<void> {
  await until(() => registry.has(channel), Boolean, `a subscriber on ${channel}`);
}

const card = (page: Page, name: string): Locator => page.getByRole('listitem', { name, exact: true });
const notes = (page: Page): Locator => page.locator('.notes');

beforeAll(async () => {
  t = await startTestServer({ clock, bus, env: { LOGIN_RATE_PER_MINUTE: '1000' } });
  if (chromiumPath) browser = await launchChromium(chromiumPath);
});

afterAll(async () => {
  await browser?.close();
  await t.close();
});

describe('GET / over HTTP', () => {
  it('serves the page with a Content-Security-Policy that allows only this server, revalidated; its script and style named by their hash and kept for good', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(WEB_APP_CONTENT_SECURITY_POLICY);
    expect(csp.split('; ')).toEqual(expect.arrayContaining(["default-src 'none'", "script-src 'self'", "style-src 'self'",
      "connect-src 'self'", "font-src 'self'", "img-src 'self'", "frame-ancestors 'none'"]));
    // Nothing but 'self' and 'none' is named: no host, no scheme, no inline code.
    expect(csp.replace(/'self'|'none'/g, '')).not.toMatch(/'|:|\*/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    const script = /<script src="(\/app\/app-[\w-]+\.js)" defer><\/script>/.exec(html)?.[1];
    const style = /<link rel="stylesheet" href="(\/app\/app-[\w-]+\.css)">/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();
    // Nothing in the page points anywhere else.
    expect(html).not.toMatch(/https?:\/\//);

    const again = await fetch(`${t.url}/`, { headers: { 'if-none-match': res.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);

    const js = await fetch(`${t.url}${script ?? ''}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(await js.text()).toContain('graphql-transport-ws');
    const css = await fetch(`${t.url}${style ?? ''}`, { headers: { 'accept-encoding': 'identity' } });
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Another version's file is not this one.
    expect((await fetch(`${t.url}/app/app-0000000000000000000000000000.js`)).status).toBe(404);
    // The page is only read.
    expect((await fetch(`${t.url}/`, { method: 'POST' })).status).toBe(404);
  });
});

describe.skipIf(!chromiumPath)('the web app in a browser', () => {
  let officeA: string;
  let agentA: Person;
  let sourceA: { id: string; name: string };
  let agentPage: Opened;
  let adminPage: Opened;
  let admin: Person;

  beforeAll(async () => {
    officeA = await office();
    agentA = await person('AGENT', [officeA]);
    sourceA = await source('Zillow A', [officeA]);
    admin = await person('ADMIN');
  });

  it('sign-in: a wrong password says so; the right one (Enter in the form) opens the agent screen; the token lives in sessionStorage only; Sign out ends it', async () => {
    agentPage = await openPage({ width: 390, height: 844 });
    const { page } = agentPage;
    expect(await page.title()).toBe('leadrace');
    await page.getByLabel('Email').fill(agentA.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong email or password. Check both and try again.');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { name: 'Pending offers' }).waitFor();
    expect(await page.getByRole('banner').textContent()).toContain(agentA.name);
    const storage = await page.evaluate('({ session: Object.keys(sessionStorage), local: Object.keys(localStorage) })');
    expect(storage).toEqual({ session: ['leadrace.token'], local: [] });

    // A reload keeps the session (same tab); Sign out ends it and forgets the token.
    await page.reload();
    await page.getByRole('heading', { name: 'Pending offers' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await signIn(page, agentA);
    // A phone's width: nothing scrolls sideways.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  });

  it('an agent sees an offer arrive live (over the socket, no reload) with the first name, source, message and a countdown; Accept shows the contact details, and the API agrees', async () => {
    const { page, received } = agentPage;
    await listening(`offers:${agentA.id}`);
    await page.evaluate('window.notReloaded = true');
    const { submitLead } = await t.admin.SubmitLead({ input: {
      sourceId: sourceA.id, firstName: 'Rosa', lastName: 'Diaz', email: 'rosa.diaz@example.com', phone: '+15125550143',
      message: 'Pre-approved, looking near Zilker.',
    } });

    const offer = card(page, 'Rosa');
    await offer.waitFor();
    const text = await offer.textContent();
    expect(text).toContain(sourceA.name);
    expect(text).toContain('Pre-approved, looking near Zilker.');
    // The window is 15 minutes (the source's default) on a clock that has not moved.
    expect(await offer.locator('.countdown').textContent()).toMatch(/^(15:00|14:[0-5]\d) left$/);
    // Contact details are the winner's only.
    expect(text).not.toContain('rosa.diaz@example.com');
    expect(received.some((f) => f.includes('"RECEIVED"') && f.includes(`"id":"${submitLead.id}"`))).toBe(true);
    expect(await page.evaluate('window.notReloaded')).toBe(true);

    await offer.getByRole('button', { name: 'Accept' }).click();
    const won = card(page, 'Rosa Diaz');
    await won.waitFor();
    const wonText = await won.textContent();
    expect(wonText).toContain('rosa.diaz@example.com');
    expect(wonText).toContain('+15125550143');
    expect(await won.getByRole('link', { name: '+15125550143' }).getAttribute('href')).toBe('tel:+15125550143');
    await expect.poll(() => offer.count()).toBe(0);
    expect(await notes(page).textContent()).toContain(`Rosa's lead (${sourceA.name}) is yours`);

    const { lead } = await t.admin.Lead({ id: submitLead.id });
    expect(lead.state).toBe('ASSIGNED');
    expect(lead.owner?.id).toBe(agentA.id);
    expect(lead.offers.map((o) => [o.agent.id, o.state])).toEqual([[agentA.id, 'ACCEPTED']]);
  });

  it('Decline closes the offer with a note, and the API records it', async () => {
    const { page } = agentPage;
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: sourceA.id, firstName: 'Dana', message: 'Just browsing.' } });
    const offer = card(page, 'Dana');
    await offer.waitFor();
    await offer.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => offer.count()).toBe(0);
    expect(await notes(page).textContent()).toContain(`You declined Dana's lead (${sourceA.name}).`);
    const { lead } = await t.admin.Lead({ id: submitLead.id });
    expect(lead.offers.find((o) => o.agent.id === agentA.id)?.state).toBe('DECLINED');
  });

  describe('offers that close elsewhere', () => {
    let agentB: Person;
    let agentC: Person;
    let race: { id: string; name: string };
    let pageB: Page;

    beforeAll(async () => {
      const officeB = await office();
      agentB = await person('AGENT', [officeB]);
      agentC = await person('AGENT', [officeB]);
      race = await source('Realtor race', [officeB], 2);
      ({ page: pageB } = await openPage({ width: 390, height: 844 }));
      await signIn(pageB, agentB);
      await listening(`offers:${agentB.id}`);
    });

    it('an offer another agent accepts disappears with a note saying it was taken', async () => {
      const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: race.id, firstName: 'Tomas', message: 'Needs a 2-bed.' } });
      const offer = card(pageB, 'Tomas');
      await offer.waitFor();
      const mine = (await agentC.sdk.MyOffers()).myOffers.find((o) => o.lead.id === submitLead.id);
      await agentC.sdk.AcceptOffer({ offerId: mine?.id ?? '' });
      await expect.poll(() => offer.count()).toBe(0);
      expect(await notes(pageB).textContent()).toContain(`Tomas's lead (${race.name}) was taken by another agent.`);
    });

    it('an offer whose window closes (the server\'s clock moved past it) disappears with a note saying it expired', async () => {
      await t.admin.SubmitLead({ input: { sourceId: race.id, firstName: 'Yara' } });
      const offer = card(pageB, 'Yara');
      await offer.waitFor();
      expect(await offer.locator('.countdown').textContent()).toMatch(/ left$/);
      await clock.advance(15 * 60_000 + 1000);
      await expect.poll(() => offer.count()).toBe(0);
      expect(await notes(pageB).textContent()).toContain(`Your offer of Yara's lead (${race.name}) expired`);
    });
  });

  describe('admin', () => {
    beforeAll(async () => {
      adminPage = await openPage({ width: 1280, height: 860 });
      await signIn(adminPage.page, admin);
      await adminPage.page.getByRole('heading', { name: /^Leads/ }).waitFor();
      await listening('lead-events:all');
    });

    it('sees a lead arrive live and its state and owner change, without reloading', async () => {
      const { page, received } = adminPage;
      await page.evaluate('window.notReloaded = true');
      const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: sourceA.id, firstName: 'Ingrid', lastName: 'Berg' } });
      const row = page.locator(`tr[data-lead-id="${submitLead.id}"]`);
      await row.waitFor();
      expect(received.some((f) => f.includes('"CREATED"') && f.includes(`"id":"${submitLead.id}"`))).toBe(true);
      expect(await row.textContent()).toContain(sourceA.name);
      await expect.poll(() => row.locator('.badge').textContent()).toBe('Routing');

      const offer = (await agentA.sdk.MyOffers()).myOffers.find((o) => o.lead.id === submitLead.id);
      await agentA.sdk.AcceptOffer({ offerId: offer?.id ?? '' });
      await expect.poll(() => row.locator('.badge').textContent()).toBe('Assigned');
      expect(await row.textContent()).toContain(agentA.name);
      expect(received.some((f) => f.includes('"ACCEPTED"') && f.includes(`"id":"${submitLead.id}"`))).toBe(true);
      expect(await page.evaluate('window.notReloaded')).toBe(true);
      // The activity feed says it in words.
      expect(await page.locator('.feed').textContent()).toContain(`Ingrid Berg accepted by ${agentA.name}`);
    });

    it('shows a lead\'s routing trace: each agent considered in the round and why', async () => {
      const { page } = adminPage;
      const officeC = await office();
      const halted = await person('AGENT', [officeC]);
      const offered = await person('AGENT', [officeC]);
      await t.admin.HaltUser({ userId: halted.id, reason: 'vacation' });
      const src = await source('Open house C', [officeC]);
      const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: src.id, firstName: 'Kofi', lastName: 'Mensah' } });

      await page.getByRole('button', { name: 'Kofi Mensah' }).click();
      const detail = page.getByRole('region', { name: 'Kofi Mensah' });
      await detail.getByRole('heading', { name: 'Why this agent' }).waitFor();
      // Every agent of the brokerage was considered; those of other offices are folded away.
      const { lead } = await t.admin.LeadRouting({ id: submitLead.id });
      const decisions = lead.routing ?? [];
      expect(decisions.filter((d) => d.reason !== 'NOT_IN_OFFICE').map((d) => [d.agent.id, d.reason]))
        .toEqual(expect.arrayContaining([[halted.id, 'HALTED'], [offered.id, 'OFFERED']]));
      const others = decisions.filter((d) => d.reason === 'NOT_IN_OFFICE').length;
      expect(others).toBeGreaterThan(0);
      const reasons = (where: Locator) => where.evaluateAll((lis) => lis.map((li) => [
        li.querySelector('.decision-agent')?.textContent, li.querySelector('.decision-why')?.textContent]));
      const round = detail.locator('.round');
      expect(await round.locator('h4').allTextContents()).toEqual(['Round 1']);
      expect(await reasons(round.locator(':scope > ul > li'))).toEqual([[offered.name, 'Offered'], [halted.name, 'Halted by an admin']]);
      const folded = round.locator('details');
      expect(await folded.locator('summary').textContent()).toBe(`${others} agents not eligible for this source`);
      await folded.locator('summary').click();
      expect(new Set((await reasons(folded.locator('li'))).map(([, why]) => why))).toEqual(new Set(["Not in the source's offices"]));
    });

    it('assigns a lead from the unassigned pool by hand, and the API agrees', async () => {
      const { page } = adminPage;
      const empty = await office();
      const src = await source('Nobody home', [empty]);
      const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: src.id, firstName: 'Priya', lastName: 'Nair' } });
      expect(submitLead.state).toBe('UNASSIGNED');

      await page.getByRole('link', { name: 'Unassigned pool' }).click();
      const item = page.getByRole('listitem', { name: 'Priya Nair' });
      await item.waitFor();
      await item.getByLabel('Agent').selectOption({ label: agentA.name });
      await item.getByRole('button', { name: 'Assign' }).click();
      await expect.poll(() => item.count()).toBe(0);
      const { lead } = await t.admin.Lead({ id: submitLead.id });
      expect(lead.state).toBe('ASSIGNED');
      expect(lead.owner?.id).toBe(agentA.id);
    });

    it('lists agents with halts and availability, and lead sources with who is up next', async () => {
      const { page } = adminPage;
      const officeD = await office();
      const resting = await person('AGENT', [officeD]);
      const working = await person('AGENT', [officeD]);
      await t.admin.HaltUser({ userId: resting.id, reason: 'parental leave' });
      const src = await source('Website D', [officeD]);

      await page.getByRole('link', { name: 'Agents' }).click();
      const restingRow = page.locator(`tr[data-user-id="${resting.id}"]`);
      await restingRow.waitFor();
      expect(await restingRow.textContent()).toContain('Halted');
      expect(await restingRow.textContent()).toContain('parental leave');
      expect(await page.locator(`tr[data-user-id="${working.id}"]`).textContent()).toContain('In office');

      await page.getByRole('link', { name: 'Lead sources' }).click();
      const row = page.locator(`tr[data-source-id="${src.id}"]`);
      await row.waitFor();
      const { leadSources } = await t.admin.LeadSources();
      const nextUp = leadSources.find((s) => s.id === src.id)?.nextUp?.map((u) => u.id);
      expect(nextUp).toEqual([working.id]);
      expect(await row.locator('.next-up li').allTextContents()).toEqual([working.name]);
    });

    it('draws the dashboard\'s figures from leadStats as charts', async () => {
      const { page } = adminPage;
      await page.getByRole('link', { name: 'Dashboard' }).click();
      const chart = (title: string) => page.locator('figure.chart').filter({ has: page.getByText(title, { exact: true }) });
      await chart('Leads by state').locator('svg').waitFor();
      const { leadStats } = await t.admin.LeadStatsFull({});
      const bars = (title: string) => chart(title).locator('g.bar').evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-label'), Number(g.getAttribute('data-value'))]));
      const states: Record<string, string> = { ROUTING: 'Routing', ASSIGNED: 'Assigned', UNASSIGNED: 'Unassigned' };
      await expect.poll(() => bars('Leads by state')).toEqual(leadStats.byState.map((b) => [states[b.state], b.count]));
      expect(await bars('Leads by source')).toEqual(leadStats.bySource.map((b) => [b.source.name, b.count]));
      const segments = await chart('How offers ended').locator('rect.segment').evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-series'), Number(r.getAttribute('data-value'))]));
      const { offers } = leadStats;
      expect(segments).toEqual(([['accepted', offers.accepted], ['declined', offers.declined], ['expired', offers.expired],
        ['taken', offers.taken], ['pending', offers.pending]] as [string, number][]).filter(([, n]) => n > 0));
      // The offers this suite made: an accept, a decline, one taken and an expiry at least.
      expect(offers.accepted > 0 && offers.declined > 0 && offers.taken > 0 && offers.expired > 0).toBe(true);
      const perAgent = await chart('Offers per agent').locator('g.row').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-label')));
      expect(perAgent).toEqual(leadStats.perAgent.map((a) => a.agent.name));
      expect(await page.locator('.tiles').textContent()).toContain(`Leads${leadStats.total}`);
      // Each chart is an image with a name and a text description of its figures.
      const svg = chart('Leads by state').locator('svg');
      expect(await svg.getAttribute('role')).toBe('img');
      const description = await page.locator(`[id="${await svg.getAttribute('aria-describedby') ?? ''}"]`).textContent();
      expect(description).toContain(`Assigned ${leadStats.byState.find((b) => b.state === 'ASSIGNED')?.count}`);
    });
  });

  it('an agent\'s availability toggle takes them out of office, and the API agrees', async () => {
    const { page } = agentPage;
    const toggle = page.getByRole('switch', { name: 'In office' });
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    const { users } = await t.admin.Users();
    expect(users.find((u) => u.id === agentA.id)?.inOffice).toBe(false);
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
  });

  it('throughout: no request left the server\'s origin, nothing broke the Content-Security-Policy, no script error, every field has a label', async () => {
    expect(leaving).toEqual([]);
    const ours = new URL(t.url).host;
    expect(requested.filter((u) => new URL(u).host !== ours)).toEqual([]);
    expect(requested.filter((u) => u.startsWith('ws'))).not.toEqual([]);
    expect(violations).toEqual([]);
    expect(scriptErrors).toEqual([]);
    for (const page of pages) {
      const unlabelled = await page.locator('input, select, textarea, button').evaluateAll((fields) => fields
        .filter((e) => !('labels' in e && (e.labels as ArrayLike<unknown>).length) && !e.getAttribute('aria-label')
          && !e.getAttribute('aria-labelledby') && !(e.tagName === 'BUTTON' && e.textContent?.trim()))
        .map((e) => e.outerHTML));
      expect(unlabelled).toEqual([]);
    }
  });
});

// The bootstrap admin has a token and no password: the token way in works.
describe.skipIf(!chromiumPath)('signing in with an API token', () => {
  it('opens the admin screens', async () => {
    const { page } = await openPage({ width: 1280, height: 800 });
    await page.getByText('Sign in with an API token').click();
    await page.getByLabel('API token', { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('navigation', { name: 'Admin screens' }).waitFor();
  });
});
