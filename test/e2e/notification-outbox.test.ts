// The outbox against slow providers (issue 12, point 7), through the real server, a local SMTP server
// and a local SMS API that holds its answers until the test releases them: channels do not wait for
// each other, nor one message for another; SMTP connections are pooled and reused; a provider that
// never answers times out on the clock and is retried; shutdown aborts what is still in flight, and
// a message claimed by a process that died is sent again once its lease runs out, not before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS, SEND_TIMEOUT_MS, STOP_GRACE_MS } from '../../src/notify/delivery-worker.js';
import { SMTP_MAX_CONNECTIONS } from '../../src/notify/smtp-channel.js';
import { startServer } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { ManualClock } from '../../src/time/clock.js';
import { createContactableAgent, createOffice, type ContactableAgent } from '../support/agents.js';
import { createSource } from '../support/brokerage.js';
import { eventually } from '../support/hardening.js';
import { startSmsProvider, startSmtpProvider, type SmsProvider, type SmtpProvider } from '../support/providers.js';
import { ADMIN_TOKEN, sdkFor, startTestServer, type TestServer } from '../support/server.js';
import { databaseUrlFor } from '../support/test-database.js';
import { until } from '../support/until.js';

const clock = new ManualClock();
let t: TestServer;
let sms: SmsProvider;
let smtp: SmtpProvider;
const providerEnv = () => ({
  PUBLIC_URL: 'https://leads.example.com', SMTP_URL: smtp.url, SMTP_FROM: 'Leadrace <offers@brokerage.example>',
  SMS_API_URL: sms.url, SMS_ACCOUNT_SID: 'AC1', SMS_AUTH_TOKEN: 'token', SMS_FROM: '+15125550000',
});

beforeAll(async () => {
  sms = await startSmsProvider();
  smtp = await startSmtpProvider();
  t = await startTestServer({ clock, env: providerEnv() });
});

afterAll(async () => {
  await t.close();
  await sms.close();
  await smtp.close();
});

afterEach(async () => {
  sms.holdIf = () => false;
  sms.release();
  await t.server.services.notifications.idle();
});

let seq = 0;
/** One agent, offered every lead of its own source (one agent per race). */
async function agentWithSource(): Promise<{ agent: ContactableAgent; sourceId: string }> {
  const office = await createOffice(t);
  const agent = await createContactableAgent(t, { officeIds: [office] });
  const source = await createSource(t, { officeIds: [office], raceAgentCount: 1 });
  return { agent, sourceId: source.id };
}

/** Submits `n` leads named "<tag> <i>", one after another; their ids. */
async function submit(sourceId: string, tag: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await t.admin.SubmitLead({ input: { sourceId, firstName: `${tag}${++seq}` } })).submitLead.id);
  return ids;
}

const deliveries = async (leadId: string) => (await t.admin.NotificationDeliveries({ leadId })).notifications;
const mailsTo = (address: string) => smtp.mails.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === address);

describe('a slow SMS provider', () => {
  it('holds up no email: offer emails for 30 leads are all delivered while every SMS request is still held', async () => {
    const { agent, sourceId } = await agentWithSource();
    sms.holdIf = (r) => r.to === agent.phone;
    const leads = await submit(sourceId, 'Held', 30);
    await until(() => mailsTo(agent.email), (ms) => ms.length === 30, '30 offer emails');
    // Every text has reached the provider and none has been answered.
    await until(() => sms.held.filter((r) => r.to === agent.phone).length, (n) => n === 30, '30 held texts');
    for (const id of leads) {
      // A sent email's outcome is written up to 50 ms after the mail went out (the delivery worker
      // writes outcomes that end close together in one statement), so the last mails may still show
      // PENDING the moment they arrive: wait for the record, while every text is still held.
      await until(() => deliveries(id), (ns) => ns.some((n) => n.channel === 'email' && n.status === 'SENT'), `lead ${id}'s email recorded as sent`);
      expect((await deliveries(id)).map((n) => [n.channel, n.status])).toEqual([['sms', 'PENDING'], ['email', 'SENT']]);
    }
    expect(sms.held.filter((r) => r.to === agent.phone)).toHaveLength(30);
    sms.release();
    await t.server.services.notifications.idle();
    for (const id of leads) expect((await deliveries(id)).map((n) => [n.status, n.attempts])).toEqual([['SENT', 1], ['SENT', 1]]);
  });

  it('holds up no other text: while one SMS hangs, the texts of later leads are sent', async () => {
    const { agent: hung, sourceId: hungSource } = await agentWithSource();
    const { agent, sourceId } = await agentWithSource();
    sms.holdIf = (r) => r.to === hung.phone;
    const [hungLead] = await submit(hungSource, 'Hung', 1);
    await until(() => sms.held.length, (n) => n === 1, 'the hung text');
    const leads = await submit(sourceId, 'Later', 5);
    for (const id of leads) {
      await until(() => deliveries(id), (ns) => ns.every((n) => n.status === 'SENT'), `the texts of lead ${id}`);
    }
    expect(sms.received.filter((r) => r.to === agent.phone)).toHaveLength(5);
    expect((await deliveries(hungLead ?? '')).find((n) => n.channel === 'sms')).toMatchObject({ status: 'PENDING', attempts: 1 });
  });

  it('that never answers fails the attempt after SEND_TIMEOUT_MS of the clock; the retry follows the backoff', async () => {
    const { agent, sourceId } = await agentWithSource();
    sms.holdIf = (r) => r.to === agent.phone;
    const [lead = ''] = await submit(sourceId, 'Timeout', 1);
    await until(() => sms.held.length, (n) => n === 1, 'the held text');
    await clock.advance(SEND_TIMEOUT_MS - 1);
    await until(() => deliveries(lead), (ns) => ns.some((n) => n.channel === 'email' && n.status === 'SENT'), 'the email');
    expect((await deliveries(lead)).find((n) => n.channel === 'sms')).toMatchObject({ status: 'PENDING', attempts: 1, lastError: null });
    await clock.advance(1);
    await t.server.services.notifications.idle();
    expect((await deliveries(lead)).find((n) => n.channel === 'sms'))
      .toMatchObject({ status: 'PENDING', attempts: 1, lastError: `sms: no answer within ${SEND_TIMEOUT_MS / 1000} s` });

    // The provider is back; the next attempt is 1 s after the failed one.
    sms.holdIf = () => false;
    await clock.advance(999);
    await t.server.services.notifications.idle();
    expect((await deliveries(lead)).find((n) => n.channel === 'sms')?.attempts).toBe(1);
    await clock.advance(1);
    await t.server.services.notifications.idle();
    expect((await deliveries(lead)).find((n) => n.channel === 'sms')).toMatchObject({ status: 'SENT', attempts: 2, lastError: null });
    expect(sms.received.filter((r) => r.to === agent.phone)).toHaveLength(2);
  });
});

describe('emails', () => {
  it('go over pooled SMTP connections, each reused for several messages', async () => {
    const { agent, sourceId } = await agentWithSource();
    const before = smtp.connections();
    const mailsBefore = smtp.mails.length;
    await submit(sourceId, 'Pooled', 24);
    await until(() => mailsTo(agent.email), (ms) => ms.length === 24, '24 offer emails');
    await t.server.services.notifications.idle();
    const opened = smtp.connections() - before;
    const sent = smtp.mails.length - mailsBefore;
    expect(sent).toBe(24);
    expect(opened).toBeLessThanOrEqual(SMTP_MAX_CONNECTIONS);
    expect(opened).toBeLessThan(sent);
    expect(Math.max(...smtp.messagesPerConnection())).toBeGreaterThan(1);
  });
});

describe('shutdown and crash', () => {
  /** A server on `dir` with its own clock, whose log lines are kept. */
  async function serverOn(dir: string, own: ManualClock) {
    const config = loadConfig({ PORT: '0', DATABASE_URL: await databaseUrlFor(join(dir, 'test.db')), BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN, ...providerEnv() });
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } });
    const server = await startServer({ config, clock: own, logger });
    return { server, logs, admin: sdkFor(server.url, ADMIN_TOKEN) };
  }

  it('waits STOP_GRACE_MS for a send in flight, then aborts it as a failed attempt that the next start sends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-outbox-stop-'));
    const own = new ManualClock();
    try {
      const first = await serverOn(dir, own);
      const source = await first.admin.CreateLeadSource({ input: { name: 'Own site', allowDirectToUser: true, directToUserAutoAccept: true } });
      const { createUser } = await first.admin.CreateUser({ input: { name: 'Stop Agent', email: 'stop@brokerage.example', phone: '+15125550142', role: 'AGENT' } });
      sms.holdIf = (r) => r.to === '+15125550142';
      const { submitLead } = await first.admin.SubmitLead({ input: { sourceId: source.createLeadSource.id, targetUserId: createUser.id, firstName: 'Stopped' } });
      await until(() => sms.held.length, (n) => n === 1, 'the held text');
      await until(async () => (await first.admin.NotificationDeliveries({ leadId: submitLead.id })).notifications,
        (ns) => ns.some((n) => n.channel === 'email' && n.status === 'SENT'), 'the email');

      const closed = first.server.close();
      await eventually(() => first.logs.some((l) => l.msg === 'notification delivery: waiting for sends in flight'), 'the shutdown waiting');
      await own.advance(STOP_GRACE_MS);
      await closed;
      expect(first.logs.filter((l) => l.msg === 'notification attempt failed; will retry'))
        .toEqual([expect.objectContaining({ channel: 'sms', attempt: 1, error: 'aborted: the server is shutting down' })]);

      sms.holdIf = () => false;
      sms.release();
      await own.advance(1000);
      const second = await serverOn(dir, own);
      try {
        await second.server.services.notifications.idle();
        expect((await second.admin.NotificationDeliveries({ leadId: submitLead.id })).notifications.find((n) => n.channel === 'sms'))
          .toMatchObject({ status: 'SENT', attempts: 2 });
      } finally {
        await second.server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a message claimed by a process that stopped answering is sent by another only once its lease has run out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-outbox-lease-'));
    const clockA = new ManualClock();
    const clockB = new ManualClock();
    try {
      const a = await serverOn(dir, clockA);
      const source = await a.admin.CreateLeadSource({ input: { name: 'Own site', allowDirectToUser: true, directToUserAutoAccept: true } });
      const { createUser } = await a.admin.CreateUser({ input: { name: 'Lease Agent', email: 'lease@brokerage.example', phone: '+15125550143', role: 'AGENT' } });
      sms.holdIf = (r) => r.to === '+15125550143';
      const { submitLead } = await a.admin.SubmitLead({ input: { sourceId: source.createLeadSource.id, targetUserId: createUser.id, firstName: 'Leased' } });
      await until(() => sms.held.length, (n) => n === 1, 'the held text');

      // A is stuck in its send (as good as dead to the outbox); B shares its database.
      sms.holdIf = () => false;
      const b = await serverOn(dir, clockB);
      try {
        await clockB.advance(CLAIM_LEASE_MS - 1);
        await b.server.services.notifications.idle();
        expect(sms.received.filter((r) => r.to === '+15125550143')).toHaveLength(1);
        await clockB.advance(1);
        await b.server.services.notifications.idle();
        expect(sms.received.filter((r) => r.to === '+15125550143')).toHaveLength(2);
        expect((await b.admin.NotificationDeliveries({ leadId: submitLead.id })).notifications.find((n) => n.channel === 'sms'))
          .toMatchObject({ status: 'SENT', attempts: 2 });
      } finally {
        await b.server.close();
        sms.release();
        await a.server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
