// Operations (issue 19): GET /metrics behind METRICS_TOKEN, figures that move as leads flow, and log
// lines from which one lead's story can be read back by its id, with nothing secret in them. Over the
// real server, agents on real graphql-ws sockets, a local SMTP server and a local SMS API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { eventually, openRaw, startHardenedServer, type HardenedServer, type RawClient } from '../support/hardening.js';
import { startSmsProvider, startSmtpProvider, type SmsProvider, type SmtpProvider } from '../support/providers.js';
import { ADMIN_TOKEN, sdkFor, startTestServer } from '../support/server.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
const WINDOW_SECONDS = 60;
const clock = new ManualClock();
let t: HardenedServer;
let sms: SmsProvider;
let smtp: SmtpProvider;

beforeAll(async () => {
  sms = await startSmsProvider();
  smtp = await startSmtpProvider();
  t = await startHardenedServer({
    clock,
    env: {
      METRICS_TOKEN, PUBLIC_URL: 'https://leads.example.com', SMTP_URL: smtp.url, SMTP_FROM: 'offers@brokerage.example',
      SMS_API_URL: sms.url, SMS_ACCOUNT_SID: 'AC1', SMS_AUTH_TOKEN: 'sms-auth-secret-42', SMS_FROM: '+15125550000',
    },
  });
});

afterAll(async () => {
  sms.release();
  await t?.close();
  await sms?.close();
  await smtp?.close();
});

async function scrape(token: string | null = METRICS_TOKEN): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${t.url}/metrics`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** The value of one series (name with its labels as Prometheus prints them), or 0 when absent. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function agent(n: number, officeId: string): Promise<{ id: number; token: string; email: string; phone: string }> {
  const email = `ops-agent${n}@brokerage.example`;
  const phone = `+1512555010${n}`;
  const { createUser } = await t.admin.CreateUser({ input: { name: `Ops Agent ${n}`, email, phone, role: 'AGENT', officeIds: [officeId] } });
  const token = (await t.admin.IssueApiToken({ userId: createUser.id })).issueApiToken.token;
  return { id: Number(createUser.id), token, email, phone };
}

const OFFERS = 'subscription { offers { type offer { id lead { id } } } }';
/** The offer id of the RECEIVED event for `leadId` on this socket. */
async function received(c: RawClient, leadId: string): Promise<string> {
  const m = await c.waitFor((msg) => {
    const ev = (msg.payload as { data?: { offers?: { type: string; offer: { lead: { id: string } } } } } | undefined)?.data?.offers;
    return msg.type === 'next' && ev?.type === 'RECEIVED' && ev.offer.lead.id === leadId;
  }, `offer of lead ${leadId}`);
  return (m.payload as { data: { offers: { offer: { id: string } } } }).data.offers.offer.id;
}

describe('GET /metrics', () => {
  it('is not there without METRICS_TOKEN (404), and wants the bearer token when it is (401)', async () => {
    const plain = await startTestServer();
    try {
      expect((await fetch(`${plain.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
    } finally {
      await plain.close();
    }
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('scrape-token-wrong-0000000')).status).toBe(401);
    expect((await scrape(ADMIN_TOKEN)).status).toBe(401);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.type).toContain('text/plain');
    for (const name of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'leadrace_offers_closed_total',
      'leadrace_speed_to_lead_seconds_bucket', 'leadrace_websocket_connections', 'leadrace_outbox_pending']) {
      expect(ok.text).toContain(`\n${name}`);
    }
  });
});

describe('a lead flowing through', () => {
  it('moves the figures, and its story is in the log under its leadId, with no contact details or tokens', async () => {
    const officeId = (await t.admin.CreateOffice({ name: 'Ops office' })).createOffice.id;
    const [a, b] = [await agent(1, officeId), await agent(2, officeId)];
    const source = (await t.admin.CreateLeadSource({
      input: { name: 'Ops form', officeIds: [officeId], raceAgentCount: 1, acceptanceWindowSeconds: WINDOW_SECONDS },
    })).createLeadSource;
    const sockets = new Map([[a.id, await openRaw(t.wsUrl, a.token)], [b.id, await openRaw(t.wsUrl, b.token)]]);
    for (const c of sockets.values()) c.subscribe('o', OFFERS);
    const before = (await scrape()).text;
    expect(value(before, 'leadrace_websocket_connections')).toBe(2);

    const contact = { email: 'jane.secret@home.example', phone: '+15125559876' };
    const lead1 = (await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Jane', ...contact, message: 'call me' } })).submitLead.id;
    // Round 1 offers the lowest id first (A), round 2 the other.
    const first = await received(sockets.get(a.id) as RawClient, lead1);
    await sdkFor(t.url, a.token).DeclineOffer({ offerId: first });
    await received(sockets.get(b.id) as RawClient, lead1);
    // Sent before the clock moves: a send still in flight then would time out on the clock.
    await t.server.services.notifications.idle();
    await clock.advance(WINDOW_SECONDS * 1000);
    await eventually(async () => (await t.admin.Lead({ id: lead1 })).lead.state === 'UNASSIGNED', 'lead 1 unassigned');

    // Lead 2's texts are held by the provider: the outbox has them pending until released.
    sms.holdIf = () => true;
    const lead2 = (await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'John', email: 'john.secret@home.example' } })).submitLead.id;
    const offered2 = (await t.admin.Lead({ id: lead2 })).lead.offers[0];
    if (!offered2) throw new Error('lead 2 was offered to nobody');
    const winner = offered2.agent.id === String(a.id) ? a : b;
    await received(sockets.get(winner.id) as RawClient, lead2);
    await sdkFor(t.url, winner.token).AcceptOffer({ offerId: offered2.id });

    // An admin moves lead 2 to the other agent, then back to the broker; the note is not logged.
    const other = winner === a ? b : a;
    await t.admin.SetLeadOwner({ leadId: lead2, userId: String(other.id), note: 'call jane.secret@home.example' });
    await t.admin.ReturnLeadToBroker({ leadId: lead2, note: 'nobody reached +15125559876' });

    await eventually(() => sms.held.length > 0, 'a held text');
    const during = (await scrape()).text;
    expect(value(during, 'leadrace_outbox_pending{channel="sms"}')).toBeGreaterThanOrEqual(1);
    sms.holdIf = () => false;
    sms.release();
    await t.server.services.notifications.idle();
    const after = (await scrape()).text;

    const moved = (series: string) => value(after, series) - value(before, series);
    expect(moved(`leadrace_leads_created_total{kind="GENERAL",source="${source.id}"}`)).toBe(2);
    expect(moved(`leadrace_offers_total{source="${source.id}"}`)).toBe(3);
    expect(moved('leadrace_offers_closed_total{outcome="DECLINED"}')).toBe(1);
    expect(moved('leadrace_offers_closed_total{outcome="EXPIRED"}')).toBe(1);
    expect(moved('leadrace_offers_closed_total{outcome="ACCEPTED"}')).toBe(1);
    // Every offer reached a connected agent's socket.
    expect(moved('leadrace_speed_to_lead_seconds_count')).toBe(3);
    expect(value(after, 'leadrace_outbox_pending{channel="sms"}')).toBe(0);
    expect(value(after, 'leadrace_outbox_pending{channel="email"}')).toBe(0);
    expect(moved('leadrace_notification_delivery_seconds_count{channel="sms"}')).toBeGreaterThanOrEqual(3);
    expect(moved('leadrace_notification_delivery_seconds_count{channel="email"}')).toBeGreaterThanOrEqual(3);
    expect(moved('leadrace_notification_attempts_total{channel="sms",outcome="sent"}')).toBe(moved('leadrace_notification_delivery_seconds_count{channel="sms"}'));

    // The story of lead 1, read back from the log by its id alone.
    await new Promise((r) => setImmediate(r));
    const story = t.logs.filter((l) => l.leadId === Number(lead1));
    const rounds = story.filter((l) => l.msg === 'routing round');
    expect(rounds.map((l) => [l.round, l.offered, l.skipped])).toEqual([[1, [a.id], 1], [2, [b.id], 1], [3, [], 2]]);
    expect(rounds[0]?.skippedFor).toEqual({ WAITING: 1 });
    expect(rounds[1]?.skippedFor).toEqual({ ALREADY_OFFERED: 1 });
    expect(rounds[2]?.skippedFor).toEqual({ ALREADY_OFFERED: 2 });
    expect(story.filter((l) => l.msg === 'offer closed').map((l) => [l.agentId, l.outcome])).toEqual([[a.id, 'DECLINED'], [b.id, 'EXPIRED']]);
    expect(story.filter((l) => l.msg === 'lead created')).toHaveLength(1);
    expect(story.filter((l) => l.msg === 'notification sent').length).toBeGreaterThanOrEqual(2);
    const story2 = t.logs.filter((l) => l.leadId === Number(lead2));
    expect(story2.filter((l) => l.msg === 'offer closed').map((l) => [l.agentId, l.outcome])).toEqual([[winner.id, 'ACCEPTED']]);
    expect(story2.filter((l) => l.msg === 'lead reassigned').map((l) => l.ownerId)).toEqual([other.id]);
    expect(story2.filter((l) => l.msg === 'lead returned to the broker').map((l) => l.formerOwnerId)).toEqual([other.id]);

    // Nothing secret at info level: no contact details of leads or agents, no tokens, no SMS credentials.
    const all = JSON.stringify(t.logs);
    for (const secret of [contact.email, contact.phone, 'john.secret@home.example', a.email, a.phone, b.email, b.phone,
      a.token, b.token, ADMIN_TOKEN, METRICS_TOKEN, 'sms-auth-secret-42']) {
      expect(all).not.toContain(secret);
    }
    for (const c of sockets.values()) c.socket.close(1000);
  });
});
