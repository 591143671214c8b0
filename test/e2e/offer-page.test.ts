// The accept/decline page behind each offer's link, driven in a real headless Chromium (the system's
// chromium with playwright-core; skipped without one, except in CI: support/browser.ts): clicking
// Accept shows the contact details, Decline a confirmation; an offer that is over says so; a tampered
// link gets 404 and changes nothing; a GET changes nothing.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { createContactableAgent, createOffice, type ContactableAgent } from '../support/agents.js';
import { chromiumForTests, launchChromium } from '../support/browser.js';
import { createSource } from '../support/brokerage.js';
import { startTestServer, type TestServer } from '../support/server.js';

const chromiumPath = chromiumForTests();
const clock = new ManualClock();
let t: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!chromiumPath) return;
  t = await startTestServer({ clock });
  browser = await launchChromium(chromiumPath);
  page = await browser.newPage({ viewport: { width: 390, height: 844 } });
});

afterAll(async () => {
  if (!chromiumPath) return;
  await browser.close();
  await t.close();
});

afterEach(async () => { await clock.advance(24 * 3_600_000); });

const LEAD = { firstName: 'Rosa', lastName: 'Thistlewood', email: 'rosa.t@example.com', phone: '+15125550123', message: 'Two bedrooms near <Barton Springs> & "the park"' };

/** A lead offered to `n` agents at once; each agent's link, on this test server. */
async function offered(n: number, window = 900) {
  const o = await createOffice(t);
  const agents: ContactableAgent[] = [];
  for (let i = 0; i < n; i++) agents.push(await createContactableAgent(t, { officeIds: [o] }));
  const source = await createSource(t, { name: `Realtor <${o}>`, officeIds: [o], raceAgentCount: n, acceptanceWindowSeconds: window });
  const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, ...LEAD } });
  const links: string[] = [];
  for (const a of agents) {
    const offer = (await a.sdk.MyOffers()).myOffers.find((x) => x.lead.id === submitLead.id);
    if (!offer) throw new Error('not offered');
    // actionUrl is on PUBLIC_URL (localhost:0 here): open the same path on the test server.
    links.push(`${t.url}${new URL(offer.actionUrl ?? 'missing:').pathname}`);
  }
  return { agents, links, lead: submitLead, source };
}

const text = async (selector: string) => (await page.textContent(selector)) ?? '';

describe.skipIf(!chromiumPath)('the offer page', () => {
  it('shows the first name, source, message and time left, never the contact details, with real Accept and Decline buttons in a form', async () => {
    const { links: [link], source } = await offered(1);
    const res = await page.goto(link ?? '');
    expect(res?.status()).toBe(200);
    expect(await text('h1')).toBe(`Rosa from ${source.name}`);
    expect(await text('#time-left')).toBe('15 min');
    expect(await text('dl')).toContain('Two bedrooms near <Barton Springs> & "the park"');
    const html = await page.content();
    for (const detail of [LEAD.lastName, LEAD.email, LEAD.phone]) expect(html).not.toContain(detail);
    expect(await page.locator('form[method="post"] button[name="action"]').evaluateAll((bs) => bs.map((b) => [b.tagName, b.textContent, b.getAttribute('value')])))
      .toEqual([['BUTTON', 'Accept', 'accept'], ['BUTTON', 'Decline', 'decline']]);
    // Mobile-friendly: the page fits a phone's width.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  });

  it('clicking Accept takes the lead and shows its contact details', async () => {
    const { agents: [a], links: [link], lead } = await offered(1);
    await page.goto(`${link}?do=accept`);
    // The email's Accept button only pre-selects: nothing is accepted by opening the link.
    expect(await page.locator('button.chosen').textContent()).toBe('Accept');
    expect((await t.admin.Lead({ id: lead.id })).lead.state).toBe('ROUTING');
    await page.click('button[value="accept"]');
    await page.waitForSelector('#lead-email');
    expect(await text('#status')).toContain('You accepted this lead');
    expect(await text('#lead-name')).toBe('Rosa Thistlewood');
    expect(await text('#lead-email')).toBe(LEAD.email);
    expect(await text('#lead-phone')).toBe(LEAD.phone);
    expect((await t.admin.Lead({ id: lead.id })).lead).toMatchObject({ state: 'ASSIGNED', owner: { id: a?.id } });
    // Opening the link again shows the details again, to the winner.
    await page.goto(link ?? '');
    expect(await text('#lead-email')).toBe(LEAD.email);
  });

  it('clicking Decline declines the offer and confirms it; the lead moves on', async () => {
    const { agents: [a], links: [link], lead } = await offered(1);
    await page.goto(`${link}?do=decline`);
    expect(await page.locator('button.chosen').textContent()).toBe('Decline');
    await page.click('button[value="decline"]');
    await page.waitForSelector('#status');
    expect(await text('#status')).toContain('You declined this lead');
    expect(await page.locator('button').count()).toBe(0);
    const { lead: after } = await t.admin.Lead({ id: lead.id });
    expect(after.offers.find((x) => x.agent.id === a?.id)?.state).toBe('DECLINED');
    expect(after.state).toBe('UNASSIGNED'); // nobody else in this office: the lead went to the admins' pool
  });

  it('an expired offer says it is over, with no buttons and no contact details', async () => {
    const { links: [link] } = await offered(1, 600);
    await clock.advance(601_000);
    const res = await page.goto(link ?? '');
    expect(res?.status()).toBe(200);
    expect(await text('#status')).toBe('This offer is over: the time to accept it ran out.');
    expect(await page.locator('button').count()).toBe(0);
    expect(await page.content()).not.toContain(LEAD.email);
  });

  it('an offer taken by another agent says so; clicking Accept on a stale page says so too', async () => {
    const { links: [linkA, linkB] } = await offered(2);
    await page.goto(linkA ?? '');
    // While A looks at the page, B accepts through B's own link.
    const other = await browser.newPage();
    await other.goto(linkB ?? '');
    await other.click('button[value="accept"]');
    await other.waitForSelector('#lead-email');
    await other.close();
    await page.click('button[value="accept"]');
    await page.waitForSelector('#status');
    expect(await text('#status')).toBe('This offer is over: another agent accepted the lead first.');
    expect(await page.content()).not.toContain(LEAD.email);
  });

  it('a tampered link gets 404 and changes nothing', async () => {
    const { links: [link], lead } = await offered(1);
    const good = link ?? '';
    const mac = good.slice(good.lastIndexOf('.') + 1);
    const tampered = `${good.slice(0, good.lastIndexOf('.') + 1)}${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    const res = await page.goto(tampered);
    expect(res?.status()).toBe(404);
    expect(await text('h1')).toBe('This link is not valid');
    // Posting to it directly changes nothing either.
    const post = await fetch(tampered, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=accept', redirect: 'manual' });
    expect(post.status).toBe(404);
    const { lead: after } = await t.admin.Lead({ id: lead.id });
    expect(after.state).toBe('ROUTING');
    expect(after.offers.map((x) => x.state)).toEqual(['PENDING']);
  });

  it("another agent's link cannot be re-pointed at a different offer", async () => {
    const { links: [link] } = await offered(1);
    const [prefix, agentPart, mac] = (link ?? '').split('/o/')[1]?.split('.') ?? [];
    const other = `${t.url}/o/${(parseInt(prefix ?? '0', 36) + 1).toString(36)}.${agentPart}.${mac}`;
    expect((await fetch(other)).status).toBe(404);
  });
});
