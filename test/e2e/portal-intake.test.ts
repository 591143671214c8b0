// Issue 18: lead emails in the layouts the portals brokers use really send, through the real server
// (POST /inbound/email). The corpus is test/intake/fixtures: each <name>.eml (fictional people; {{TO}}
// is the agent's forwarding address, {{AGENT_EMAIL}} the agent's own) beside <name>.json, the lead it
// must make: the person, the property, and the source named for the portal (or "Forwarded email").
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactableAgent, type ContactableAgent } from '../support/agents.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SECRET = 'portal-intake-secret-0123456789';
const FIXTURES = fileURLToPath(new URL('../intake/fixtures/', import.meta.url));

interface Expected {
  layout: string;
  refused?: number;
  source?: string;
  firstName?: string;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  message?: string | null;
  propertyAddress?: string | null;
  postalCode?: string | null;
}

const corpus = readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).sort().map((file) => {
  const name = file.slice(0, -'.eml'.length);
  return {
    name,
    eml: readFileSync(`${FIXTURES}${file}`, 'utf8'),
    expected: JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as Expected,
  };
});

let t: TestServer;
let ana: ContactableAgent;

beforeAll(async () => {
  t = await startTestServer({ env: { INBOUND_EMAIL_DOMAIN: 'leads.example.com', INBOUND_EMAIL_SECRET: SECRET } });
  ana = await createContactableAgent(t, { name: 'Ana Portal' });
});
afterAll(async () => { await t.close(); });

function postEmail(raw: string) {
  return fetch(`${t.url}/inbound/email`, {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': SECRET },
    body: raw.replaceAll('{{TO}}', ana.leadEmail).replaceAll('{{AGENT_EMAIL}}', ana.email).replace(/\r?\n/g, '\r\n'),
  });
}

describe('the portal fixture corpus', () => {
  it('holds at least eight layouts that make a lead, and one that names nobody', () => {
    expect(corpus.filter((c) => !c.expected.refused).length).toBeGreaterThanOrEqual(8);
    expect(corpus.some((c) => c.expected.refused === 422)).toBe(true);
  });

  for (const { name, eml, expected } of corpus) {
    it(`${name}: ${expected.layout}`, async () => {
      const res = await postEmail(eml);
      if (expected.refused) {
        expect(res.status).toBe(expected.refused);
        expect(await res.json()).toMatchObject({ code: 'UNPARSEABLE' });
        return;
      }
      expect(res.status).toBe(201);
      const { leadId } = await res.json() as { leadId: string };
      const { lead } = await t.admin.Lead({ id: leadId });
      expect(lead).toMatchObject({
        kind: 'DIRECT_TO_USER', owner: { id: ana.id }, source: { name: expected.source },
        firstName: expected.firstName, lastName: expected.lastName, email: expected.email, phone: expected.phone,
        message: expected.message,
      });
      const property = await t.admin.LeadProperty({ id: leadId });
      expect(property.lead).toEqual({
        id: leadId, postalCode: expected.postalCode, propertyAddress: expected.propertyAddress, source: { name: expected.source },
      });
    });
  }

  it('leadStats counts the corpus\'s leads per portal, each portal on its own built-in source', async () => {
    const { leadStats } = await t.admin.LeadStats();
    const counts = Object.fromEntries(leadStats.bySource.map((s) => [s.source.name, s.count]));
    const want: Record<string, number> = {};
    for (const { expected } of corpus) if (expected.source) want[expected.source] = (want[expected.source] ?? 0) + 1;
    expect(counts).toEqual(want);
  });
});
