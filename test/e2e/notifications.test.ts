// Reaching agents through the real server: every offer change goes out by SMS (a Twilio-compatible
// HTTP API run by this test) and by email (a local SMTP server run by this test). No contact detail
// before acceptance; the winner's confirmation carries them; a provider outage neither delays nor
// breaks routing and is retried with backoff as the clock advances.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_LINK_SLOT } from '../../src/services/action-links.js';
import { ManualClock } from '../../src/time/clock.js';
import { createContactableAgent, createOffice } from '../support/agents.js';
import { createSource } from '../support/brokerage.js';
import { errorCode, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

const MIN = 60_000;
const clock = new ManualClock();
let t: TestServer;

// ---- the fake SMS provider: records each request; answers 201, 500, or holds the answer
interface SmsRequest { to: string; from: string; body: string; auth: string; path: string }
const sms: SmsRequest[] = [];
let smsMode: 'ok' | 'fail' | 'hold' = 'ok';
let held: ServerResponse[] = [];
let smsServer: Server;

function smsHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    sms.push({ to: form.get('To') ?? '', from: form.get('From') ?? '', body: form.get('Body') ?? '', auth: req.headers.authorization ?? '', path: req.url ?? '' });
    if (smsMode === 'hold') held.push(res);
    else if (smsMode === 'fail') res.writeHead(500).end('{"message":"provider down"}');
    else res.writeHead(201, { 'content-type': 'application/json' }).end('{"sid":"SM1"}');
  });
}

// ---- the local SMTP server: every message received, parsed
const mails: ParsedMail[] = [];
let smtp: SMTPServer;

beforeAll(async () => {
  smsServer = createServer(smsHandler);
  await new Promise<void>((r) => smsServer.listen(0, '127.0.0.1', r));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => { mails.push(mail); callback(); }, callback);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  t = await startTestServer({
    clock,
    env: {
      PUBLIC_URL: 'https://leads.example.com',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      SMTP_FROM: 'Leadrace <offers@brokerage.example>',
      SMS_API_URL: `http://127.0.0.1:${(smsServer.address() as AddressInfo).port}`,
      SMS_ACCOUNT_SID: 'AC123',
      SMS_AUTH_TOKEN: 'secret-token',
      SMS_FROM: '+15125550000',
    },
  });
});

afterAll(async () => {
  for (const res of held) res.writeHead(500).end();
  await t.close();
  await new Promise<void>((r) => smsServer.close(() => r()));
  await new Promise<void>((r) => smtp.close(() => r()));
});

afterEach(async () => {
  smsMode = 'ok';
  // Every test leaves no pending offer or delivery behind for the next.
  await clock.advance(24 * 60 * MIN);
  await t.server.services.notifications.idle();
});

const idle = () => t.server.services.notifications.idle();
const deliveries = async (leadId: string) => (await t.admin.NotificationDeliveries({ leadId })).notifications;
const DANA = { firstName: 'Dana', lastName: 'Quillfeather', email: 'dana.q@example.com', phone: '+15125550199', message: 'Looking in Zilker' };
const CONTACT = [DANA.lastName, DANA.email, DANA.phone];

async function race(agents = 2, window = 900) {
  const o = await createOffice(t);
  const list = [];
  for (let i = 0; i < agents; i++) list.push(await createContactableAgent(t, { officeIds: [o] }));
  const source = await createSource(t, { name: `Zillow ${o}`, officeIds: [o], raceAgentCount: agents, acceptanceWindowSeconds: window });
  const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, ...DANA } });
  return { agents: list, source, lead: submitLead };
}

async function pendingOffer(agent: { sdk: TestServer['admin'] }, leadId: string): Promise<string> {
  const offer = (await agent.sdk.MyOffers()).myOffers.find((x) => x.lead.id === leadId);
  if (!offer) throw new Error(`no pending offer of lead ${leadId}`);
  return offer.id;
}

describe('offers reach agents by SMS and email', () => {
  it('an offer goes out at once by SMS and email with first name, source, message, time left and link, and no contact detail', async () => {
    const { agents: [a], source, lead } = await race(1);
    if (!a) throw new Error('no agent');
    await idle();
    const sent = await deliveries(lead.id);
    expect(sent.map((n) => [n.channel, n.to, n.status, n.attempts])).toEqual([['sms', a.phone, 'SENT', 1], ['email', a.email, 'SENT', 1]]);
    // The server's line with the link comes first; the lead's first name and message follow, labelled.
    expect(sent[0]?.body).toMatch(new RegExp(`^New lead from ${source.name}, 15 min to accept: https://leads\\.example\\.com/o/[\\w.-]+\nLead: Dana\nMessage: "Looking in Zilker"$`));
    for (const n of sent) for (const detail of CONTACT) expect(`${n.subject ?? ''}\n${n.body}`).not.toContain(detail);

    // What the providers received is what was recorded.
    const text = sms.find((m) => m.to === a.phone);
    expect(text).toMatchObject({ from: '+15125550000', body: sent[0]?.body, path: '/2010-04-01/Accounts/AC123/Messages.json' });
    expect(text?.auth).toBe(`Basic ${Buffer.from('AC123:secret-token').toString('base64')}`);
    const mail = mails.find((m) => m.to && !Array.isArray(m.to) && m.to.text === a.email);
    expect(mail?.from?.text).toBe('"Leadrace" <offers@brokerage.example>');
    expect(mail?.subject).toBe(`New lead: Dana (${source.name}), 15 min to accept`);
    expect(mail?.text?.trim()).toBe(sent[1]?.body);
    // The email's Accept and Decline buttons open the offer page with that choice pre-selected.
    const offerUrl = /Accept: (\S+)\?do=accept/.exec(sent[1]?.body ?? '')?.[1] ?? 'missing';
    expect(mail?.html).toMatch(new RegExp(`<a href="${offerUrl.replace(/[.?]/g, '\\$&')}\\?do=accept"[^>]*>Accept</a>`));
    expect(mail?.html).toMatch(new RegExp(`<a href="${offerUrl.replace(/[.?]/g, '\\$&')}\\?do=decline"[^>]*>Decline</a>`));
    for (const detail of CONTACT) expect(String(mail?.html)).not.toContain(detail);

    // The contract's own operation reads the same rows.
    const contract = (await t.admin.Notifications({ leadId: lead.id })).notifications;
    expect(contract.map((n) => [n.channel, n.to, n.body])).toEqual(sent.map((n) => [n.channel, n.to, n.body]));

    // The outbox stores no signed link: its rows hold the slot, filled in from the row's offer and user
    // when sent and when read; the link sent is the offer's own.
    const rows = await t.server.services.stores.notifications.ofLead(Number(lead.id));
    expect(rows.map((r) => r.body.split(ACTION_LINK_SLOT).length - 1)).toEqual([1, 2]);
    for (const r of rows) expect(r.body).not.toContain('https://leads.example.com/o/');
    const [offer] = await t.server.services.stores.leads.offersOfLead(Number(lead.id));
    const code = /\/o\/([\w.-]+)/.exec(text?.body ?? '')?.[1] ?? 'missing';
    expect(t.server.services.actionLinks.verify(code)).toEqual({ offerId: offer?.id, agentId: Number(a.id) });
  });

  it('a lead cannot write a link slot of its own into a message: its control characters come out as spaces', async () => {
    const o = await createOffice(t);
    const agent = await createContactableAgent(t, { officeIds: [o] });
    const source = await createSource(t, { name: `Slot ${o}`, officeIds: [o], raceAgentCount: 1 });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: `Eve${ACTION_LINK_SLOT}`, message: `click ${ACTION_LINK_SLOT} now` } });
    await idle();
    const text = sms.find((m) => m.to === agent.phone);
    // One link, the server's own; the lead's slot is text with spaces.
    expect(text?.body.match(/https:\/\/leads\.example\.com\/o\//g)).toHaveLength(1);
    expect(text?.body).toContain('Message: "click offer-link now"');
    expect((await deliveries(submitLead.id)).map((n) => n.status)).toEqual(['SENT', 'SENT']);
  });

  it("the winner's confirmation carries the contact details; the other racers are told the lead was taken, without them", async () => {
    const { agents: [a, b], lead } = await race(2);
    if (!a || !b) throw new Error('no agents');
    await idle();
    const before = (await deliveries(lead.id)).length;
    await b.sdk.AcceptOffer({ offerId: await pendingOffer(b, lead.id) });
    await idle();
    const after = (await deliveries(lead.id)).slice(before);

    const toB = after.filter((n) => n.to === b.email || n.to === b.phone);
    expect(toB.map((n) => n.channel)).toEqual(['sms', 'email']);
    for (const n of toB) for (const detail of CONTACT) expect(n.body).toContain(detail);
    expect(toB[0]?.body).toMatch(/^The lead is yours \(Zillow \d+\): https:\/\/leads\.example\.com\/o\/[\w.-]+\nLead: Dana Quillfeather, dana\.q@example\.com, \+15125550199\n/);

    const toA = after.filter((n) => n.to === a.email || n.to === a.phone);
    expect(toA.map((n) => n.channel)).toEqual(['sms', 'email']);
    expect(toA[0]?.body).toContain('was taken by another agent');
    for (const n of toA) for (const detail of CONTACT) expect(n.body).not.toContain(detail);
    expect(after).toHaveLength(4);
  });

  it('a decline gets a declination confirmation; an expiry a short note; neither names the contact details', async () => {
    const { agents: [a, b], lead } = await race(2, 600);
    if (!a || !b) throw new Error('no agents');
    await a.sdk.DeclineOffer({ offerId: await pendingOffer(a, lead.id) });
    await clock.advance(601_000);
    await idle();
    const all = await deliveries(lead.id);
    const declined = all.filter((n) => (n.to === a.email || n.to === a.phone) && n.body.includes('declined'));
    expect(declined.map((n) => n.channel)).toEqual(['sms', 'email']);
    expect(declined[0]?.body).toMatch(/^You declined the lead Dana \(/);
    const expired = all.filter((n) => (n.to === b.email || n.to === b.phone) && n.body.includes('expired'));
    expect(expired.map((n) => n.channel)).toEqual(['sms', 'email']);
    for (const n of all) for (const detail of CONTACT) expect(n.body).not.toContain(detail);
  });

  it('an auto-accepted direct lead tells the agent the lead is theirs, with the contact details', async () => {
    const a = await createContactableAgent(t, { phone: null });
    const source = await createSource(t, { allowDirectToUser: true, directToUserAutoAccept: true });
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, targetUserId: a.id, ...DANA } });
    await idle();
    const sent = await deliveries(submitLead.id);
    // No phone on file: email only.
    expect(sent.map((n) => [n.channel, n.to])).toEqual([['email', a.email]]);
    expect(sent[0]?.subject).toBe(`New lead, yours: Dana Quillfeather (${source.name})`);
    for (const detail of CONTACT) expect(sent[0]?.body).toContain(detail);
  });

  it('only an admin may read notifications', async () => {
    const { agents: [a], lead } = await race(1);
    expect(await errorCode((a ?? { sdk: t.sdk(null) }).sdk.Notifications({ leadId: lead.id }))).toBe('FORBIDDEN');
    expect(await errorCode(t.admin.Notifications({ leadId: '999999' }))).toBe('NOT_FOUND');
  });
});

describe('a provider outage', () => {
  it('does not delay routing: the lead is offered while the SMS provider hangs, then the SMS is retried with backoff until it is SENT', async () => {
    smsMode = 'hold';
    held = [];
    const { agents: [a], lead } = await race(1);
    if (!a) throw new Error('no agent');
    // submitLead has returned and the offer is there, while the SMS provider has not answered.
    expect((await a.sdk.MyOffers()).myOffers.map((x) => x.lead.id)).toContain(lead.id);
    const inFlight = await until(() => deliveries(lead.id), (ns) => ns.some((n) => n.channel === 'sms' && n.attempts === 1) && held.length === 1, 'the SMS in flight');
    expect(inFlight.find((n) => n.channel === 'sms')?.status).toBe('PENDING');

    // The provider answers 500: the attempt fails and is due again 1 s later.
    smsMode = 'fail';
    held.splice(0).forEach((res) => res.writeHead(500).end('{"message":"provider down"}'));
    await until(() => deliveries(lead.id), (ns) => ns.some((n) => n.channel === 'sms' && n.lastError !== null), 'the failed attempt');
    await idle();
    let smsRow = (await deliveries(lead.id)).find((n) => n.channel === 'sms');
    expect(smsRow).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'sms: provider answered 500: {"message":"provider down"}', sentAt: null });
    expect((await deliveries(lead.id)).find((n) => n.channel === 'email')?.status).toBe('SENT');

    await clock.advance(999);
    await idle();
    expect((await deliveries(lead.id)).find((n) => n.channel === 'sms')?.attempts).toBe(1);
    await clock.advance(1);
    await idle();
    expect((await deliveries(lead.id)).find((n) => n.channel === 'sms')).toMatchObject({ status: 'PENDING', attempts: 2 });

    // The provider recovers; the next attempt is 4 s after the second.
    smsMode = 'ok';
    await clock.advance(3_999);
    await idle();
    expect((await deliveries(lead.id)).find((n) => n.channel === 'sms')?.attempts).toBe(2);
    await clock.advance(1);
    await idle();
    smsRow = (await deliveries(lead.id)).find((n) => n.channel === 'sms');
    expect(smsRow).toMatchObject({ status: 'SENT', attempts: 3, lastError: null });
    expect(new Date(smsRow?.sentAt ?? 0).getTime()).toBe(clock.now());
  });

  it('a message that keeps failing is FAILED after the fifth attempt (1 s, 4 s, 16 s, 64 s apart), and routing went on regardless', async () => {
    smsMode = 'fail';
    const { agents: [a], lead } = await race(1);
    if (!a) throw new Error('no agent');
    await idle();
    for (const wait of [1_000, 4_000, 16_000, 64_000]) {
      await clock.advance(wait);
      await idle();
    }
    const smsRow = (await deliveries(lead.id)).find((n) => n.channel === 'sms');
    expect(smsRow).toMatchObject({ status: 'FAILED', attempts: 5, sentAt: null });
    expect(smsRow?.lastError).toContain('500');
    const requests = sms.filter((m) => m.to === a.phone).length;
    await clock.advance(10 * MIN);
    await idle();
    expect(sms.filter((m) => m.to === a.phone).length).toBe(requests);
    // Routing never waited on the provider: the offer is still open and can be accepted.
    const { acceptOffer } = await a.sdk.AcceptOffer({ offerId: await pendingOffer(a, lead.id) });
    expect(acceptOffer.state).toBe('ACCEPTED');
  });
});

describe('after a restart', () => {
  it('deliveries left PENDING by a stopped server are sent when it starts again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-outbox-'));
    const restartClock = new ManualClock();
    const env = { SMS_API_URL: `http://127.0.0.1:${(smsServer.address() as AddressInfo).port}`, SMS_ACCOUNT_SID: 'AC9', SMS_AUTH_TOKEN: 'tok', SMS_FROM: '+15125550009' };
    try {
      smsMode = 'fail';
      const first = await startTestServer({ clock: restartClock, dir, env });
      const agent = await createContactableAgent(first);
      const source = await createSource(first, { allowDirectToUser: true, directToUserAutoAccept: true });
      const { submitLead } = await first.admin.SubmitLead({ input: { sourceId: source.id, targetUserId: agent.id, firstName: 'Ola' } });
      await first.server.services.notifications.idle();
      expect((await first.admin.NotificationDeliveries({ leadId: submitLead.id })).notifications.find((n) => n.channel === 'sms'))
        .toMatchObject({ status: 'PENDING', attempts: 1 });
      await first.close();

      smsMode = 'ok';
      await restartClock.advance(1_000); // the retry falls due while nothing is running
      const second = await startTestServer({ clock: restartClock, dir, env });
      try {
        await second.server.services.notifications.idle();
        expect((await second.admin.NotificationDeliveries({ leadId: submitLead.id })).notifications.find((n) => n.channel === 'sms'))
          .toMatchObject({ status: 'SENT', attempts: 2 });
        expect(restartClock.pendingTimers).toBe(0);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
