// Signed webhooks through the real server and a real local HTTP receiver: every matching lead event
// is POSTed with a signature the secret verifies, filtered by type, in order per lead, retried with
// backoff on the injected clock (a 500, a receiver that never answers) until FAILED, without holding
// up another webhook; deleting a webhook stops its deliveries; only admins manage webhooks; and URLs
// on non-public addresses are refused, at creation and again at delivery.
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { ATTEMPT_TIMEOUT_MS, MAX_ATTEMPTS, RETRY_DELAYS_MS } from '../../src/webhooks/webhook-worker.js';
import { createAgent } from '../support/brokerage.js';
import { errorCode, graphqlError, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

const clock = new ManualClock();
let t: TestServer;
let receiver: WebhookReceiver;
/** Webhooks made by a test, deleted after it so that the next starts with none. */
const made: string[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await startTestServer({ clock, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
});

afterAll(async () => {
  await t.close();
  await receiver.close();
});

afterEach(async () => {
  for (const id of made.splice(0)) await t.admin.DeleteWebhook({ id }).catch(() => {});
  receiver.answer = () => 200;
  receiver.release();
  await t.server.services.webhooks.idle();
});

let seq = 0;
async function webhook(eventTypes?: string[]) {
  const path = `/hook-${++seq}`;
  const { createWebhook } = await t.admin.CreateWebhook({
    input: { url: `${receiver.url}${path}`, ...(eventTypes ? { eventTypes: eventTypes as never } : {}) },
  });
  made.push(createWebhook.id);
  return { ...createWebhook, path, got: () => receiver.received.filter((r) => r.path === path) };
}

/** A direct, auto-accepted lead: CREATED, then the agent accepts and owns it, in one transaction. */
async function directLead(firstName: string) {
  const agent = await createAgent(t);
  const { createLeadSource } = await t.admin.CreateLeadSource({
    input: { name: `Own site ${++seq}`, allowDirectToUser: true, directToUserAutoAccept: true },
  });
  const { submitLead } = await t.admin.SubmitLead({
    input: { sourceId: createLeadSource.id, targetUserId: agent.id, firstName, lastName: 'Buyer', email: 'buyer@example.com' },
  });
  return { leadId: submitLead.id, agentId: agent.id, sourceId: createLeadSource.id };
}

const signed = (secret: string, r: ReceivedWebhook) =>
  `sha256=${createHmac('sha256', secret).update(`${String(r.headers['x-leadrace-timestamp'])}.${r.body}`).digest('hex')}`;

async function deliveriesOf(webhookId: string) {
  const { webhooks } = await t.admin.WebhookDeliveries({ first: 100 });
  return webhooks.find((w) => w.id === webhookId)?.deliveries ?? [];
}

/** Lets the worker write what ended and start what is due. */
async function settle(): Promise<void> {
  await t.server.services.webhooks.idle();
}

describe('a webhook', () => {
  it('gets every event of a lead POSTed as JSON, signed with its secret, the lead as the event\'s transaction left it', async () => {
    const hook = await webhook();
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
    const { leadId, agentId, sourceId } = await directLead('Signed');
    await until(() => hook.got().filter((r) => r.json.lead.id === leadId), (rs) => rs.some((r) => r.json.type === 'ASSIGNED'), 'the ASSIGNED event');
    const got = hook.got().filter((r) => r.json.lead.id === leadId);
    expect(got.map((r) => r.json.type)).toEqual(['CREATED', 'ACCEPTED', 'ASSIGNED']);
    for (const r of got) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-leadrace-event']).toBe(r.json.type);
      expect(r.headers['x-leadrace-delivery']).toBe(r.json.id);
      expect(r.headers['x-leadrace-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
      expect(r.headers['x-leadrace-signature']).toBe(signed(hook.secret, r));
      // Another secret does not verify it.
      expect(r.headers['x-leadrace-signature']).not.toBe(signed(`${hook.secret}x`, r));
    }
    const created = got[0];
    // CREATED is written before the lead is accepted in the same transaction: the body shows the lead as committed.
    expect(created?.json).toEqual({
      id: created?.json.id, type: 'CREATED', at: new Date(clock.now()).toISOString(), agentId: null,
      lead: { id: leadId, kind: 'DIRECT_TO_USER', state: 'ASSIGNED', sourceId, ownerId: agentId, firstName: 'Signed', lastName: 'Buyer',
        email: 'buyer@example.com', phone: null },
    });
    expect(got[2]?.json.agentId).toBe(agentId);
    await settle();
    const listed = await deliveriesOf(hook.id);
    expect(listed.filter((d) => d.leadId === leadId).map((d) => [d.eventType, d.status, d.attempts, d.responseStatus]))
      .toEqual([['ASSIGNED', 'DELIVERED', 1, 200], ['ACCEPTED', 'DELIVERED', 1, 200], ['CREATED', 'DELIVERED', 1, 200]]);
    // The contract's query: newest first, at most 20.
    const { webhooks } = await t.admin.Webhooks();
    expect(webhooks.find((w) => w.id === hook.id)).toMatchObject({ url: `${receiver.url}${hook.path}`, eventTypes: [] });
  });

  it('gets only the event types it names', async () => {
    const hook = await webhook(['ASSIGNED', 'STATUS_CHANGED']);
    const everything = await webhook();
    const { leadId } = await directLead('Filtered');
    await until(() => everything.got().filter((r) => r.json.lead.id === leadId).length, (n) => n === 3, 'every event');
    await settle();
    expect(hook.got().map((r) => r.json.type)).toEqual(['ASSIGNED']);
    expect((await t.admin.Webhooks()).webhooks.find((w) => w.id === hook.id)?.eventTypes).toEqual(['ASSIGNED', 'STATUS_CHANGED']);
  });

  it(`answering 500 is retried after ${RETRY_DELAYS_MS.join(', ')} ms with one delivery id, then FAILED after ${MAX_ATTEMPTS} attempts`, async () => {
    const hook = await webhook(['CREATED']);
    receiver.answer = () => 500;
    const { leadId } = await directLead('Failing');
    await until(() => hook.got().length, (n) => n === 1, 'the first attempt');
    await settle();
    let [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ leadId, status: 'PENDING', attempts: 1, responseStatus: 500, lastError: 'the receiver answered 500' });
    for (const [i, delay] of RETRY_DELAYS_MS.entries()) {
      await clock.advance(delay - 1);
      await settle();
      expect(hook.got()).toHaveLength(i + 1);
      await clock.advance(1);
      await settle();
      expect(hook.got()).toHaveLength(i + 2);
    }
    [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: MAX_ATTEMPTS, responseStatus: 500 });
    expect(new Set(hook.got().map((r) => r.headers['x-leadrace-delivery']))).toEqual(new Set([delivery?.id]));
    // FAILED is final.
    await clock.advance(RETRY_DELAYS_MS[RETRY_DELAYS_MS.length - 1] ?? 0);
    await settle();
    expect(hook.got()).toHaveLength(MAX_ATTEMPTS);
  });

  it(`that never answers fails the attempt after ${ATTEMPT_TIMEOUT_MS / 1000} s of the clock, and holds up no other webhook`, async () => {
    const hung = await webhook(['CREATED']);
    const other = await webhook(['CREATED']);
    receiver.answer = (r) => (r.path === hung.path ? 'hang' : 200);
    const leads: string[] = [];
    for (let i = 0; i < 6; i++) leads.push((await directLead(`Hung ${i}`)).leadId);
    // Every lead reaches the other webhook while the hung one holds its requests.
    await until(() => other.got().length, (n) => n === 6, 'the other webhook\'s deliveries');
    await until(() => receiver.held(), (n) => n >= 1, 'a held request');
    // (idle() would wait for the held requests: the other webhook's outcomes are read as they land.)
    await until(() => deliveriesOf(other.id), (ds) => ds.length === 6 && ds.every((d) => d.status === 'DELIVERED'), 'six DELIVERED');
    await clock.advance(ATTEMPT_TIMEOUT_MS - 1);
    expect((await deliveriesOf(hung.id)).every((d) => d.status === 'PENDING' && d.lastError === null)).toBe(true);
    await clock.advance(1);
    await until(() => deliveriesOf(hung.id), (ds) => ds.some((d) => d.lastError !== null), 'a timed-out attempt');
    const timedOut = (await deliveriesOf(hung.id)).filter((d) => d.lastError !== null);
    for (const d of timedOut) expect(d).toMatchObject({ status: 'PENDING', attempts: 1, responseStatus: null, lastError: 'no answer within 10 s' });
  });

  it('gets a lead\'s events in order: a later one waits while an earlier one is retried', async () => {
    const hook = await webhook();
    let first = true;
    receiver.answer = (r) => {
      if (r.path !== hook.path || !first) return 200;
      first = false;
      return 503;
    };
    const { leadId } = await directLead('Ordered');
    await until(() => hook.got().length, (n) => n === 1, 'the first attempt');
    await settle();
    expect(hook.got().map((r) => r.json.type)).toEqual(['CREATED']);
    await clock.advance(RETRY_DELAYS_MS[0]);
    await until(() => hook.got().length, (n) => n === 4, 'the retry and the later events');
    await settle();
    expect(hook.got().map((r) => [r.json.type, r.json.lead.id])).toEqual([
      ['CREATED', leadId], ['CREATED', leadId], ['ACCEPTED', leadId], ['ASSIGNED', leadId],
    ]);
  });

  it('deleted gets nothing more, not even the retry of a delivery', async () => {
    const hook = await webhook(['CREATED']);
    receiver.answer = () => 500;
    await directLead('Deleted');
    await until(() => hook.got().length, (n) => n === 1, 'the first attempt');
    await settle();
    expect(await t.admin.DeleteWebhook({ id: hook.id })).toEqual({ deleteWebhook: true });
    expect((await t.admin.Webhooks()).webhooks.map((w) => w.id)).not.toContain(hook.id);
    await directLead('After delete');
    await clock.advance(RETRY_DELAYS_MS[0]);
    await settle();
    expect(hook.got()).toHaveLength(1);
    expect(await errorCode(t.admin.DeleteWebhook({ id: hook.id }))).toBe('NOT_FOUND');
  });

  it('is for admins only: agents are FORBIDDEN to list, create or delete webhooks', async () => {
    const hook = await webhook();
    const agent = await createAgent(t);
    expect(await errorCode(agent.sdk.Webhooks())).toBe('FORBIDDEN');
    expect(await errorCode(agent.sdk.CreateWebhook({ input: { url: `${receiver.url}/agent` } }))).toBe('FORBIDDEN');
    expect(await errorCode(agent.sdk.DeleteWebhook({ id: hook.id }))).toBe('FORBIDDEN');
    expect(await errorCode(t.sdk(null).Webhooks())).toBe('UNAUTHENTICATED');
    expect((await t.admin.Webhooks()).webhooks.map((w) => w.id)).toContain(hook.id);
  });

  it('refuses a URL that is not http(s) or carries credentials, whatever WEBHOOK_ALLOW_PRIVATE_NETWORKS says', async () => {
    for (const url of ['ftp://example.com/hook', 'file:///etc/passwd', 'http://user:pw@example.com/hook', 'not a url']) {
      const err = await graphqlError(t.admin.CreateWebhook({ input: { url } }));
      expect(err, url).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    }
  });
});

describe('without WEBHOOK_ALLOW_PRIVATE_NETWORKS', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ clock: new ManualClock(), dir: t.dir, env: { DATABASE_URL: `${t.dir}/strict.db` } });
  });
  afterAll(async () => {
    await strict.close();
  });

  it('refuses loopback, private, link-local and unspecified addresses, and host names that resolve to one', async () => {
    const cases: [string, string][] = [
      ['http://127.0.0.1:8080/hook', 'loopback'],
      ['http://10.1.2.3/hook', 'private'],
      ['http://192.168.1.10/hook', 'private'],
      ['http://[::1]/hook', 'loopback'],
      ['http://[::ffff:127.0.0.1]/hook', 'loopback'],
      ['http://169.254.169.254/latest/meta-data', 'link-local'],
      ['http://0.0.0.0/hook', 'unspecified'],
      ['http://localhost/hook', 'loopback'],
    ];
    for (const [url, reason] of cases) {
      const err = await graphqlError(strict.admin.CreateWebhook({ input: { url } }));
      expect(err, url).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
      expect(err.message, url).toContain(`a ${reason} address`);
    }
    expect((await strict.admin.Webhooks()).webhooks).toEqual([]);
  });

  it('refuses at delivery time a webhook whose address is (now) private: nothing is sent, the attempt fails', async () => {
    // Registered while private networks were allowed; the server now runs without.
    const dir = t.dir;
    const own = new ManualClock();
    const open = await startTestServer({ clock: own, dir, env: { DATABASE_URL: `${dir}/later.db`, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
    const path = '/became-private';
    const { createWebhook } = await open.admin.CreateWebhook({ input: { url: `${receiver.url}${path}`, eventTypes: ['CREATED' as never] } });
    await open.close();
    const later = await startTestServer({ clock: own, dir, env: { DATABASE_URL: `${dir}/later.db` } });
    try {
      const { createLeadSource } = await later.admin.CreateLeadSource({ input: { name: 'Later' } });
      await later.admin.SubmitLead({ input: { sourceId: createLeadSource.id, firstName: 'Refused' } });
      await later.server.services.webhooks.idle();
      const { webhooks } = await later.admin.WebhookDeliveries({ first: 5 });
      const [delivery] = webhooks.find((w) => w.id === createWebhook.id)?.deliveries ?? [];
      expect(delivery).toMatchObject({ status: 'PENDING', attempts: 1, responseStatus: null });
      expect(delivery?.lastError).toContain('resolves to 127.0.0.1, a loopback address');
      expect(receiver.received.filter((r) => r.path === path)).toEqual([]);
    } finally {
      await later.close();
    }
  });
});
