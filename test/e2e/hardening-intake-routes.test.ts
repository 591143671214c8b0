// Abuse limits on the plain HTTP intake routes: web form posts and forwarded email are anonymous
// intake like submitLead with a source key, so they share its per-address limiter (429 + Retry-After).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { keyOf } from '../support/brokerage.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SECRET = 'inbound-secret-for-rate-limit-tests';
const clock = new ManualClock();
let t: TestServer;
let key: string;

beforeAll(async () => {
  t = await startTestServer({ clock, env: { INTAKE_RATE_PER_MINUTE: '2', INBOUND_EMAIL_SECRET: SECRET } });
  key = keyOf((await t.admin.CreateLeadSource({ input: { name: 'Rate limited form' } })).createLeadSource);
});
afterAll(async () => { await t.close(); });

const postForm = (formKey: string) => fetch(`${t.url}/forms/${formKey}`, {
  method: 'POST',
  redirect: 'manual',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ firstName: 'Formy', email: 'formy@example.com' }).toString(),
});

const postEmail = (secret: string) => fetch(`${t.url}/inbound/email`, {
  method: 'POST',
  headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': secret },
  body: 'From: someone@example.com\r\nTo: nobody.leads@example.com\r\nSubject: hi\r\n\r\nhello\r\n',
});

describe('intake routes share the per-address intake limit (INTAKE_RATE_PER_MINUTE=2)', () => {
  it('POST /forms/:key past the limit gets 429 with Retry-After and creates no lead; time restores the allowance', async () => {
    const before = (await t.admin.Leads({ first: 100 })).leads.edges.length;
    expect((await postForm(key)).status).toBe(303);
    // An unknown key still costs an attempt: keys cannot be guessed faster than leads are posted.
    expect((await postForm('no-such-key')).status).toBe(404);
    const refused = await postForm(key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toEqual({ error: 'too many requests', retryAfterSeconds: 30 });
    expect((await t.admin.Leads({ first: 100 })).leads.edges.length).toBe(before + 1);
    // The inbound route counts against the same allowance: this address has none left.
    const email = await postEmail(SECRET);
    expect(email.status).toBe(429);
    expect(email.headers.get('retry-after')).toBe('30');
    await clock.advance(60_000);
    expect((await postForm(key)).status).toBe(303);
  });

  it('POST /inbound/email past the limit gets 429 with Retry-After, even with the right secret; wrong secrets count', async () => {
    await clock.advance(60_000);
    expect((await postEmail('wrong-secret-wrong-secret')).status).toBe(401);
    expect((await postEmail('another-wrong-secret-value')).status).toBe(401);
    const refused = await postEmail(SECRET);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    await clock.advance(60_000);
    // Allowed again: the message reaches the parser (an unknown recipient is 404, not 429).
    expect((await postEmail(SECRET)).status).toBe(404);
  });
});
