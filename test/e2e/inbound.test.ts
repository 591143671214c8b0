// Leads in over plain HTTP, through the real server: forwarded emails (POST /inbound/email, raw
// RFC 822) become direct leads for the agent they were forwarded to; web forms (POST /forms/:key)
// submit leads to their source and redirect to a thank-you page, or answer 400 with the errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactableAgent, type ContactableAgent } from '../support/agents.js';
import { createSource } from '../support/brokerage.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SECRET = 'inbound-secret-0123456789';
let t: TestServer;
let ana: ContactableAgent;

beforeAll(async () => {
  t = await startTestServer({ env: { INBOUND_EMAIL_DOMAIN: 'leads.example.com', INBOUND_EMAIL_SECRET: SECRET } });
  ana = await createContactableAgent(t, { name: 'Ana Forwarder' });
});
afterAll(async () => { await t.close(); });

function postEmail(raw: string, secret: string | null = SECRET) {
  return fetch(`${t.url}/inbound/email`, {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', ...(secret ? { 'x-inbound-secret': secret } : {}) },
    body: raw.replace(/\r?\n/g, '\r\n'),
  });
}

const plainText = (to: string, messageId: string) => `From: Realtor Leads <leads@realtor.example>
To: ${to}
Subject: New lead for 4402 Avenue D
Message-ID: <${messageId}@realtor.example>
Date: Mon, 5 Jan 2026 09:00:00 +0000
Content-Type: text/plain; charset=utf-8

You have a new lead!

First Name: Marcus
Last Name: Oyelaran
Email Address: marcus.o@example.com
Phone Number: 512-555-0110
Comments: Is this home still available?
`;

const htmlTable = (to: string) => `From: Zillow <no-reply@zillow.example>
To: someone@else.example
Delivered-To: ${to}
Subject: New Contact
Message-ID: <html-1@zillow.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Open this email in HTML.

--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><body><table>
<tr><td>Name</td><td>Priya Natarajan</td></tr>
<tr><td>Email</td><td><a href=3D"mailto:priya.n@example.net">priya.n@example.net</a></td></tr>
<tr><td>Phone</td><td>(737) 555-0123</td></tr>
<tr><td>Message</td><td>I would like a tour.</td></tr>
</table></body></html>
--b1--
`;

describe('forwarded email', () => {
  it('a plain-text lead email to <handle>.leads@domain becomes a direct lead of that agent, accepted for them, with its contact details', async () => {
    const res = await postEmail(plainText(`Ana <${ana.leadEmail}>`, 'plain-1'));
    expect(res.status).toBe(201);
    const body = await res.json() as { leadId: string; userId: string; created: boolean };
    expect(body).toMatchObject({ userId: ana.id, created: true });
    const { lead } = await t.admin.Lead({ id: body.leadId });
    expect(lead).toMatchObject({
      kind: 'DIRECT_TO_USER', state: 'ASSIGNED', owner: { id: ana.id }, source: { name: 'Forwarded email' },
      firstName: 'Marcus', lastName: 'Oyelaran', email: 'marcus.o@example.com', phone: '+15125550110', message: 'Is this home still available?',
    });
    // The agent is told the lead is theirs, with the details.
    await t.server.services.notifications.idle();
    const { notifications } = await t.admin.Notifications({ leadId: body.leadId });
    expect(notifications.find((n) => n.channel === 'email')?.body).toContain('marcus.o@example.com');
  });

  it('an HTML-table lead email addressed through Delivered-To is read from its table', async () => {
    const res = await postEmail(htmlTable(ana.leadEmail));
    expect(res.status).toBe(201);
    const { leadId } = await res.json() as { leadId: string };
    expect((await t.admin.Lead({ id: leadId })).lead).toMatchObject({
      firstName: 'Priya', lastName: 'Natarajan', email: 'priya.n@example.net', phone: '+17375550123', message: 'I would like a tour.', owner: { id: ana.id },
    });
  });

  it('the same Message-ID twice makes one lead', async () => {
    const first = await postEmail(plainText(ana.leadEmail, 'dup-1'));
    const second = await postEmail(plainText(ana.leadEmail, 'dup-1'));
    expect([first.status, second.status]).toEqual([201, 200]);
    const [a, b] = [await first.json() as { leadId: string }, await second.json() as { leadId: string; created: boolean }];
    expect(b).toMatchObject({ leadId: a.leadId, created: false });
  });

  it('a wrong or missing X-Inbound-Secret gets 401 and makes no lead', async () => {
    const before = await t.admin.LeadSources();
    expect((await postEmail(plainText(ana.leadEmail, 'secret-1'), 'wrong-secret-0123456789')).status).toBe(401);
    expect((await postEmail(plainText(ana.leadEmail, 'secret-2'), null)).status).toBe(401);
    expect((await t.admin.LeadSources()).leadSources).toEqual(before.leadSources);
  });

  it('an unknown recipient gets 404 with an error; a message naming no lead gets 422', async () => {
    const unknown = await postEmail(plainText('nobody.leads@leads.example.com', 'unknown-1'));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'UNKNOWN_RECIPIENT' });
    const wrongDomain = await postEmail(plainText(ana.leadEmail.replace('leads.example.com', 'other.example'), 'unknown-2'));
    expect(wrongDomain.status).toBe(404);
    const empty = await postEmail(`From: ${ana.email}\nTo: ${ana.leadEmail}\nSubject: fyi\nMessage-ID: <empty-1@x>\n\nsee attached\n`);
    expect(empty.status).toBe(422);
    expect(await empty.json()).toMatchObject({ code: 'UNPARSEABLE' });
  });

  it('a NUL in what the sender wrote is dropped, and the lead kept (text holding one is refused: PostgreSQL cannot store it)', async () => {
    const withNul = plainText(ana.leadEmail, 'nul\u0000-1')
      .replace('Subject: New lead', 'Subject: New\u0000 lead')
      .replace('First Name: Marcus', 'First Name: Mar\u0000cus')
      .replace('Email Address: marcus.o@example.com', 'Email Address: nul.marcus\u0000@example.com')
      .replace('Comments: Is this home still available?', 'Comments: Is this home\u0000 still available?');
    const res = await postEmail(withNul);
    expect(res.status).toBe(201);
    const { leadId } = await res.json() as { leadId: string };
    expect((await t.admin.Lead({ id: leadId })).lead).toMatchObject({
      firstName: 'Marcus', lastName: 'Oyelaran', email: 'nul.marcus@example.com', message: 'Is this home still available?', owner: { id: ana.id },
    });
    // The Message-ID without its NUL still names the message: a redelivery makes no second lead.
    expect(await (await postEmail(withNul)).json()).toMatchObject({ leadId, created: false });
  });

  it('anything but message/rfc822 gets 415', async () => {
    const res = await fetch(`${t.url}/inbound/email`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-inbound-secret': SECRET }, body: '{}' });
    expect(res.status).toBe(415);
  });

  it('without INBOUND_EMAIL_SECRET the endpoint does not exist (404)', async () => {
    const other = await startTestServer();
    try {
      const res = await fetch(`${other.url}/inbound/email`, { method: 'POST', headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': SECRET }, body: plainText('x.leads@leads.localhost', 'off-1') });
      expect(res.status).toBe(404);
    } finally {
      await other.close();
    }
  });
});

describe('web forms', () => {
  const post = (key: string, fields: Record<string, string>) => fetch(`${t.url}/forms/${key}`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  it("a valid post submits the lead and redirects (303) to the server's thank-you page", async () => {
    const source = await createSource(t);
    const res = await post(source.publicKey, {
      firstName: 'Lena', lastName: 'Moss', email: 'lena@example.com', phone: '512 555 0101', postalCode: '78702',
      propertyAddress: '2104 E 12th St, Austin, TX', message: 'Hello', externalId: 'form-1',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/forms/${source.publicKey}/thanks`);
    const thanks = await fetch(`${t.url}${res.headers.get('location') ?? ''}`);
    expect(thanks.status).toBe(200);
    expect(await thanks.text()).toContain('Thank you');
    // The externalId makes a resubmission harmless: still one lead.
    expect((await post(source.publicKey, { firstName: 'Lena', externalId: 'form-1' })).status).toBe(303);
    const leads = await t.server.services.stores.leads.findLeadByExternalId(Number(source.id), 'form-1');
    expect(leads).toMatchObject({
      firstName: 'Lena', lastName: 'Moss', email: 'lena@example.com', phone: '+15125550101', message: 'Hello',
      postalCode: '78702', propertyAddress: '2104 E 12th St, Austin, TX',
    });
  });

  it("a valid post redirects to the source's own thank-you URL when it has one", async () => {
    const source = await createSource(t, { thankYouUrl: 'https://brokerage.example/thanks' });
    const res = await post(source.publicKey, { firstName: 'Ivo' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://brokerage.example/thanks');
  });

  it('an invalid post gets 400 with every error listed by field and why, escaped, and makes no lead', async () => {
    const source = await createSource(t);
    const res = await post(source.publicKey, { firstName: ' ', email: 'not-an-email<script>', phone: 'abc', targetUserId: 'x', externalId: 'bad-1' });
    expect(res.status).toBe(400);
    const html = await res.text();
    const fields = [...html.matchAll(/<li data-field="(\w+)">/g)].map((m) => m[1]);
    expect(fields).toEqual(['firstName', 'email', 'phone', 'targetUserId']);
    expect(html).toContain('must not be empty');
    expect(html).toContain('&quot;not-an-email&lt;script&gt;&quot; is not a valid email address');
    expect(html).not.toContain('<script>');
    expect(await t.server.services.stores.leads.findLeadByExternalId(Number(source.id), 'bad-1')).toBeNull();
  });

  it('a NUL in any field is refused (400, naming each field) on either store, and makes no lead', async () => {
    const source = await createSource(t);
    const res = await post(source.publicKey, { firstName: 'Nul\u0000', lastName: 'Mo\u0000ss', email: 'nul\u0000@example.com', message: 'a\u0000b', externalId: 'nul-1' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect([...html.matchAll(/<li data-field="(\w+)">/g)].map((m) => m[1])).toEqual(['firstName', 'lastName', 'email', 'message']);
    expect(html).toContain('must not contain the NUL character (U+0000)');
    expect(await t.server.services.stores.leads.findLeadByExternalId(Number(source.id), 'nul-1')).toBeNull();
  });

  it('an unknown key gets 404; GET serves an embeddable example form posting to itself', async () => {
    expect((await post('src_unknown', { firstName: 'X' })).status).toBe(404);
    expect((await fetch(`${t.url}/forms/src_unknown`)).status).toBe(404);
    const source = await createSource(t);
    const form = await fetch(`${t.url}/forms/${source.publicKey}`);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain(`<form method="post" action="http://localhost:0/forms/${source.publicKey}">`);
    for (const field of ['firstName', 'lastName', 'email', 'phone', 'message']) expect(html).toContain(`name="${field}"`);
  });

  it('a body over 64 KB gets 413', async () => {
    const source = await createSource(t);
    expect((await post(source.publicKey, { firstName: 'Big', message: 'x'.repeat(70 * 1024) })).status).toBe(413);
  });
});
