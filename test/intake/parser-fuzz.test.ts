// Property-based fuzzing of what anonymous senders control: the forwarded-email parser (pure, and
// behind mailparser through the intake service) and the web form's body parsing and validation.
// Whatever arrives, they answer with a result or a typed refusal; they never throw anything else
// and never hand routing a lead that breaks its limits. Runs are bounded to keep the file quick.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../../src/domain/errors.js';
import { extractLead, htmlToText, type EmailForExtraction } from '../../src/intake/lead-email-parser.js';
import { IntakeError } from '../../src/intake/lead-intake.js';
import { validateForm } from '../../src/server/web-form-routes.js';
import { keyOf } from '../support/brokerage.js';
import { startTestServer, type TestServer } from '../support/server.js';

const RUNS = 200;

/** Labels portals use, misspelt ones and nonsense, so the label paths are exercised, not just skipped. */
const label = fc.constantFrom('Name', 'First Name', 'Last Name', 'Email', 'E-mail', 'Phone', 'Tel', 'Message',
  'Comments', 'Notes', 'Subject', 'From', '> From', 'name', 'EMAIL', 'Nmae', '', ':');
const labelledLine = fc.tuple(label, fc.constantFrom(':', ': ', ' - ', '\t', '='), fc.string({ maxLength: 60 }))
  .map(([l, sep, v]) => `${l}${sep}${v}`);
const messyText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.array(labelledLine, { maxLength: 12 }).map((lines) => lines.join(fc.sample(fc.constantFrom('\n', '\r\n', '\n\n'), 1)[0] ?? '\n')),
  fc.string({ unit: 'binary', maxLength: 300 }),
);
const messyHtml = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.array(fc.tuple(label, fc.string({ maxLength: 40 })), { maxLength: 8 })
    .map((rows) => `<table>${rows.map(([l, v]) => `<tr><td>${l}</td><td>${v}</td></tr>`).join('')}</table>`),
  fc.array(fc.constantFrom('<', '>', '</', 'td', 'tr', 'br', '&amp;', '&#', '&#x', '99999999;', ';', 'script', 'style', ' ', '\n', 'a'), { maxLength: 120 })
    .map((parts) => parts.join('')),
);
const address = fc.oneof(fc.emailAddress(), fc.string({ maxLength: 40 }));
const email: fc.Arbitrary<EmailForExtraction> = fc.record({
  subject: fc.option(fc.string({ maxLength: 100 })),
  text: fc.option(messyText),
  html: fc.option(messyHtml),
  senders: fc.array(fc.record({ name: fc.string({ maxLength: 40 }), address }), { maxLength: 3 }),
  notTheLead: fc.array(address, { maxLength: 2 }),
});

describe('the forwarded-email parser (extractLead, htmlToText)', () => {
  it('never throws; a lead it returns has a non-empty name and stays within the field limits', () => {
    fc.assert(fc.property(email, (input) => {
      const lead = extractLead(input);
      if (lead === null) return;
      expect(lead.firstName.trim().length).toBeGreaterThan(0);
      expect(lead.firstName.length).toBeLessThanOrEqual(100);
      expect((lead.lastName ?? '').length).toBeLessThanOrEqual(100);
      expect((lead.message ?? '').length).toBeLessThanOrEqual(5000);
      if (lead.email !== null) {
        expect(lead.email).toContain('@');
        // The agent's own address is never taken for the lead's.
        expect(input.notTheLead.map((a) => a.toLowerCase())).not.toContain(lead.email);
      }
    }), { numRuns: RUNS });
  });

  it('htmlToText never throws on any string', () => {
    fc.assert(fc.property(fc.oneof(messyHtml, fc.string({ unit: 'binary', maxLength: 500 })), (html) => {
      expect(typeof htmlToText(html)).toBe('string');
    }), { numRuns: RUNS });
  });
});

const FORM_FIELDS = ['firstName', 'lastName', 'email', 'phone', 'message', 'targetUserId', 'externalId'] as const;

describe('the web form validation (validateForm)', () => {
  const value = fc.oneof(fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.emailAddress(),
    fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/), fc.constantFrom('', ' ', '0', '-1', '1e9', '99999999999999999999'));
  const values = fc.dictionary(fc.constantFrom(...FORM_FIELDS), value);

  it('never throws: it returns the lead input or field errors, each naming a form field', () => {
    fc.assert(fc.property(values, (form) => {
      const checked = validateForm(form);
      if ('errors' in checked) {
        expect(checked.errors.length).toBeGreaterThan(0);
        for (const e of checked.errors) expect(FORM_FIELDS).toContain(e.field);
      } else {
        expect(checked.input.firstName.trim().length).toBeGreaterThan(0);
        expect(checked.input.firstName.length).toBeLessThanOrEqual(100);
      }
    }), { numRuns: RUNS });
  });
});

describe('over the real intake paths', () => {
  let t: TestServer;
  let formKey: string;
  let forwarding: string;
  beforeAll(async () => {
    // The per-address intake limit is not what this file tests: let every fuzzed post through.
    t = await startTestServer({ env: { INTAKE_RATE_PER_MINUTE: '1000000', INBOUND_EMAIL_SECRET: 'fuzz-secret-fuzz-secret' } });
    formKey = keyOf((await t.admin.CreateLeadSource({ input: { name: 'Fuzzed form' } })).createLeadSource);
    const { createUser } = await t.admin.CreateUser({ input: { name: 'Fuzz Agent', email: 'fuzz.agent@example.com', role: 'AGENT' } });
    forwarding = createUser.leadEmail;
  });
  afterAll(async () => { await t.close(); });

  it('the intake service turns any bytes into a lead or an IntakeError / BAD_USER_INPUT, never another error', async () => {
    const header = fc.tuple(fc.constantFrom('From', 'Reply-To', 'Subject', 'Content-Type', 'Content-Transfer-Encoding', 'Message-ID', 'Cc', 'X-Junk'),
      fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('multipart/mixed; boundary=x', 'text/html', 'base64', 'quoted-printable', '=?utf-8?B?////?=')))
      .map(([k, v]) => `${k}: ${v}`);
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
      fc.tuple(fc.array(header, { maxLength: 6 }), fc.oneof(messyText, messyHtml), fc.boolean())
        .map(([headers, body, addressed]) => Buffer.from(
          [...(addressed ? [`To: ${forwarding}`] : []), ...headers].join('\r\n') + `\r\n\r\n${body}`)),
    );
    await fc.assert(fc.asyncProperty(message, async (raw) => {
      try {
        const result = await t.server.services.intake.forwardedEmail(raw);
        expect(result.leadId).toBeGreaterThan(0);
      } catch (err) {
        const typed = err instanceof IntakeError || (err instanceof DomainError && err.code === ErrorCode.BAD_USER_INPUT);
        if (!typed) throw err;
      }
    }), { numRuns: 120 });
  });

  it('POST /forms/:key answers any body and content type with 303, 400 or 415, never a server error', async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...FORM_FIELDS), fc.string({ maxLength: 10 })), fc.string({ maxLength: 80 }))
        .map((d) => new URLSearchParams(d).toString()),
      fc.array(fc.constantFrom('%', '%zz', '%E0%A4%A', '&', '=', '+', 'firstName', 'email', '%00', '\u0000', 'é'), { maxLength: 40 }).map((p) => p.join('')),
    );
    const type = fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=latin1', 'text/plain', 'multipart/form-data');
    await fc.assert(fc.asyncProperty(body, type, async (text, contentType) => {
      const res = await fetch(`${t.url}/forms/${formKey}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': contentType }, body: text });
      await res.arrayBuffer();
      expect([303, 400, 415]).toContain(res.status);
    }), { numRuns: 120 });
  });
});
