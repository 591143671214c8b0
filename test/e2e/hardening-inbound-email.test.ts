// Forwarded email (POST /inbound/email) over the real server, issue 12's points on it:
//   - deduplication considers the recipient: one Message-ID forwarded by two agents is two leads,
//     forwarded twice to the same agent one, and a replay answers nothing the first answer did not;
//   - one unusable contact field (an over-long address, a phone number with too many digits) is
//     dropped, with an info log line that names the field and not its value, and the lead kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHardenedServer, type HardenedServer } from '../support/hardening.js';

const SECRET = 'inbound-hardening-secret-0123456789';
let t: HardenedServer;

interface Agent { id: string; leadEmail: string }
let ana: Agent;
let ben: Agent;

async function agent(name: string): Promise<Agent> {
  const { createUser } = await t.admin.CreateUser({ input: { name, email: `${name.toLowerCase().replace(' ', '.')}@brokerage.example`, role: 'AGENT' } });
  return { id: createUser.id, leadEmail: createUser.leadEmail };
}

beforeAll(async () => {
  t = await startHardenedServer({ env: { INBOUND_EMAIL_DOMAIN: 'leads.example.com', INBOUND_EMAIL_SECRET: SECRET, INTAKE_RATE_PER_MINUTE: '100000' } });
  ana = await agent('Ana Inbound');
  ben = await agent('Ben Inbound');
});
afterAll(async () => { await t.close(); });

function leadEmail(to: string, messageId: string, body: string): string {
  return [
    'From: Realtor Leads <leads@realtor.example>', `To: ${to}`, 'Subject: New lead', `Message-ID: <${messageId}@realtor.example>`,
    'Content-Type: text/plain; charset=utf-8', '', body, '',
  ].join('\r\n');
}

async function post(raw: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.url}/inbound/email`, {
    method: 'POST', headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': SECRET }, body: raw,
  });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

const MARCUS = 'First Name: Marcus\nLast Name: Oyelaran\nEmail: marcus.o@example.com\nPhone: 512-555-0110';

describe('deduplication considers the recipient', () => {
  it('one Message-ID forwarded by two agents is two leads, one for each; forwarded again to the same agent it is still one', async () => {
    const toAna = await post(leadEmail(ana.leadEmail, 'shared-1', MARCUS));
    const toBen = await post(leadEmail(ben.leadEmail, 'shared-1', MARCUS));
    expect(toAna.status).toBe(201);
    expect(toBen.status).toBe(201);
    expect(toAna.body).toMatchObject({ userId: ana.id, created: true });
    expect(toBen.body).toMatchObject({ userId: ben.id, created: true });
    expect(toBen.body.leadId).not.toBe(toAna.body.leadId);
    expect((await t.admin.Lead({ id: String(toAna.body.leadId) })).lead).toMatchObject({ owner: { id: ana.id }, firstName: 'Marcus' });
    expect((await t.admin.Lead({ id: String(toBen.body.leadId) })).lead).toMatchObject({ owner: { id: ben.id }, firstName: 'Marcus' });

    const againToAna = await post(leadEmail(ana.leadEmail, 'shared-1', MARCUS));
    const againToBen = await post(leadEmail(ben.leadEmail, 'shared-1', MARCUS));
    expect(againToAna).toEqual({ status: 200, body: { leadId: toAna.body.leadId, userId: ana.id, created: false } });
    expect(againToBen).toEqual({ status: 200, body: { leadId: toBen.body.leadId, userId: ben.id, created: false } });
  });

  it('a replay answers exactly what the first answer did, never the lead as it is now or what the replay says', async () => {
    const first = await post(leadEmail(ana.leadEmail, 'replay-1', MARCUS));
    expect(first.status).toBe(201);
    expect(Object.keys(first.body).sort()).toEqual(['created', 'leadId', 'userId']);
    // The same Message-ID with other details (a sender who knows or guesses it): the first lead
    // stands unchanged, and the answer names only its id and the agent the replay was sent to.
    const replay = await post(leadEmail(ana.leadEmail, 'replay-1', 'Name: Mallory Probe\nEmail: mallory@example.com'));
    expect(replay).toEqual({ status: 200, body: { ...first.body, created: false } });
    expect((await t.admin.Lead({ id: String(first.body.leadId) })).lead).toMatchObject({
      firstName: 'Marcus', lastName: 'Oyelaran', email: 'marcus.o@example.com', phone: '+15125550110',
    });
  });

  it('a lead forwarded before the recipient was part of the key (its external id is the bare Message-ID) is still found for its agent', async () => {
    // The source exists once any email came in; a lead of the old kind is made as the old code did.
    await post(leadEmail(ana.leadEmail, 'make-source', MARCUS));
    const source = (await t.admin.LeadSources()).leadSources.find((s) => s.name === 'Forwarded email');
    if (!source) throw new Error('no "Forwarded email" source');
    const { lead: old } = await t.server.services.routing.submitLead({
      sourceKey: source.publicKey, targetUserId: Number(ana.id), externalId: '<legacy-1@realtor.example>', firstName: 'Olga',
    }, null);

    expect(await post(leadEmail(ana.leadEmail, 'legacy-1', MARCUS)))
      .toEqual({ status: 200, body: { leadId: String(old.id), userId: ana.id, created: false } });
    const toBen = await post(leadEmail(ben.leadEmail, 'legacy-1', MARCUS));
    expect(toBen.status).toBe(201);
    expect(toBen.body.leadId).not.toBe(String(old.id));
  });
});

describe('one unusable field is dropped, not the lead', () => {
  const dropLines = () => t.logs.filter((l) => l.msg === 'forwarded email: unusable field dropped');

  it('an over-long address on the Email: line is dropped; the name and phone make the lead, and the log names the field, not the address', async () => {
    const address = `${'lena'.repeat(80)}@example.com`;
    const res = await post(leadEmail(ana.leadEmail, 'long-email-1', `Name: Lena Long\nEmail: ${address}\nPhone: (512) 555-0188`));
    expect(res.status).toBe(201);
    const { lead } = await t.admin.Lead({ id: String(res.body.leadId) });
    expect(lead).toMatchObject({ firstName: 'Lena', lastName: 'Long', email: null, phone: '+15125550188', owner: { id: ana.id } });
    expect(dropLines()).toContainEqual(expect.objectContaining({
      level: 30, leadId: Number(res.body.leadId), userId: Number(ana.id), field: 'email', reason: 'address longer than 254 characters',
    }));
    expect(JSON.stringify(t.logs)).not.toContain('lenalena');
  });

  it('a phone number with too many digits is dropped and logged the same way; the rest of the lead is kept', async () => {
    const res = await post(leadEmail(ana.leadEmail, 'long-phone-1', 'Name: Pia Digits\nEmail: pia@example.com\nPhone: +1 512 555 0188 0199 0200'));
    expect(res.status).toBe(201);
    const { lead } = await t.admin.Lead({ id: String(res.body.leadId) });
    expect(lead).toMatchObject({ firstName: 'Pia', lastName: 'Digits', email: 'pia@example.com', phone: null });
    expect(dropLines()).toContainEqual(expect.objectContaining({
      level: 30, leadId: Number(res.body.leadId), field: 'phone', reason: 'not a valid phone number',
    }));
    expect(JSON.stringify(t.logs)).not.toContain('0188 0199');
  });
});
