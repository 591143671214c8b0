// A lead's own text posing as the server (issue 12, point 4), through the real server, a local SMTP
// server and a local SMS API: whatever a lead writes in its first name and message, the offer email
// has exactly one Accept button and it opens this server's offer page, the SMS has only the server's
// lines, and the offer page shows the message as a labelled quote, never as a link or a button.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { createContactableAgent, createOffice } from '../support/agents.js';
import { createSource } from '../support/brokerage.js';
import { startSmsProvider, startSmtpProvider, type SmsProvider, type SmtpProvider } from '../support/providers.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

const PUBLIC_URL = 'https://leads.example.com';
const EVIL = 'https://evil.example/o/steal';
const HOSTILE = {
  firstName: `Dana\nURGENT: accept here ${EVIL}`,
  lastName: 'Reyes',
  email: 'dana.r@example.com',
  phone: '+15125550177',
  message: `Call me.\nAccept: ${EVIL}\n\nDecline: ${EVIL}\r\nOpen the offer: ${EVIL}`,
};
const clock = new ManualClock();
let t: TestServer;
let sms: SmsProvider;
let smtp: SmtpProvider;

beforeAll(async () => {
  sms = await startSmsProvider();
  smtp = await startSmtpProvider();
  t = await startTestServer({
    clock,
    env: {
      PUBLIC_URL, SMTP_URL: smtp.url, SMTP_FROM: 'Leadrace <offers@brokerage.example>',
      SMS_API_URL: sms.url, SMS_ACCOUNT_SID: 'AC1', SMS_AUTH_TOKEN: 'token', SMS_FROM: '+15125550000',
    },
  });
});

afterAll(async () => {
  await t.close();
  await sms.close();
  await smtp.close();
});

/** The anchors of an HTML document: [text, href]. */
const anchors = (html: string) => [...html.matchAll(/<a\b[^>]*href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => [m[2], m[1]]);
/** What the lead wrote, as the quote shows it (escaped in the HTML). */
const QUOTED_HTML = HOSTILE.message.replace(/\r\n/g, '\n').replace(/&/g, '&amp;').replace(/"/g, '&quot;');

async function hostileLead() {
  const office = await createOffice(t);
  const agent = await createContactableAgent(t, { officeIds: [office] });
  const source = await createSource(t, { name: `Zillow ${office}`, officeIds: [office], raceAgentCount: 1 });
  const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, ...HOSTILE } });
  const offer = (await agent.sdk.MyOffers()).myOffers.find((o) => o.lead.id === submitLead.id);
  if (!offer?.actionUrl) throw new Error('not offered');
  await t.server.services.notifications.idle();
  return { agent, source, offerId: offer.id, actionUrl: offer.actionUrl };
}

describe('a lead whose first name and message pose as the server', () => {
  it('gets an offer email with exactly one Accept button, to the server\'s own offer link, and its message as a labelled quote', async () => {
    const { agent, source, actionUrl } = await hostileLead();
    expect(actionUrl.startsWith(`${PUBLIC_URL}/o/`)).toBe(true);
    const mail = smtp.mails.find((m) => m.to && !Array.isArray(m.to) && m.to.text === agent.email);
    const html = String(mail?.html);
    expect(anchors(html)).toEqual([['Accept', `${actionUrl}?do=accept`], ['Decline', `${actionUrl}?do=decline`]]);
    expect(html).not.toContain(`href="${EVIL}`);
    const quote = /<p[^>]*>Message from the lead<\/p><blockquote[^>]*>([^<]*)<\/blockquote>/.exec(html);
    expect(quote?.[1]).toBe(QUOTED_HTML);
    // The subject and the name are one line each; the text part quotes the message line by line.
    expect(mail?.subject).toBe(`New lead: Dana URGENT: accept here ${EVIL} (${source.name}), 15 min to accept`);
    const text = (mail?.text ?? '').split('\n');
    expect(text.filter((l) => /^(Accept|Decline|Open the offer):/.test(l))).toEqual([`Accept: ${actionUrl}?do=accept`, `Decline: ${actionUrl}?do=decline`]);
    expect(text).toContain(`Name: Dana URGENT: accept here ${EVIL}`);
    expect(text).toContain(`> Accept: ${EVIL}`);
  });

  it('gets an offer SMS whose lines are only the server\'s: the link first, then the flattened first name and the quoted message', async () => {
    const { agent, source, actionUrl } = await hostileLead();
    const text = sms.received.find((m) => m.to === agent.phone);
    const lines = (text?.body ?? '').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`New lead from ${source.name}, 15 min to accept: ${actionUrl}`);
    expect(lines[1]).toBe(`Lead: Dana URGENT: accept here ${EVIL}`);
    expect(lines[2]).toMatch(/^Message: "Call me\. Accept: https:\/\/evil\.example\/o\/steal Decline: .*"$/);
  });

  it('gets an offer page with one Accept button and the message as a labelled quote, never a link', async () => {
    const { actionUrl } = await hostileLead();
    const res = await fetch(`${t.url}${new URL(actionUrl).pathname}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect([...html.matchAll(/<button\b[^>]*>([^<]*)<\/button>/g)].map((m) => m[1])).toEqual(['Accept', 'Decline']);
    expect(anchors(html)).toEqual([]);
    expect(html).toContain(`<dt>Message from the lead</dt><dd><blockquote id="lead-message"`);
    expect(/<blockquote id="lead-message"[^>]*>([^<]*)<\/blockquote>/.exec(html)?.[1]).toBe(QUOTED_HTML.replace(/'/g, '&#39;'));
    expect(/<dd id="lead-first-name">([^<]*)<\/dd>/.exec(html)?.[1]).toBe(`Dana URGENT: accept here ${EVIL}`);
  });

  it('gets a confirmation whose only button opens the offer and whose SMS has only the server\'s lines', async () => {
    const { agent, offerId, actionUrl } = await hostileLead();
    await agent.sdk.AcceptOffer({ offerId });
    await t.server.services.notifications.idle();
    const mails = await until(() => smtp.mails.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === agent.email), (ms) => ms.length === 2, 'the confirmation email');
    const html = String(mails[1]?.html);
    expect(anchors(html)).toEqual([['Open the offer', actionUrl]]);
    expect(/<p[^>]*>Message from the lead<\/p><blockquote[^>]*>([^<]*)<\/blockquote>/.exec(html)?.[1]).toBe(QUOTED_HTML);
    const texts = sms.received.filter((m) => m.to === agent.phone);
    const lines = (texts[1]?.body ?? '').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^The lead is yours \(Zillow \d+\): https:\/\/leads\.example\.com\/o\/[\w.-]+$/);
    expect(lines[1]).toBe(`Lead: Dana URGENT: accept here ${EVIL} Reyes, dana.r@example.com, +15125550177`);
    expect(lines[2]).toMatch(/^Message: "Call me\. /);
  });
});
