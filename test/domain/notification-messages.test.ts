// What offer messages say: no contact detail before an agent has won the lead, the full details in
// the winner's confirmation, the time left and the link; and how an email's buttons are rendered.
import { describe, expect, it } from 'vitest';
import { composeMessages, formatDuration, type MessageInput } from '../../src/notify/messages.js';
import { renderEmailHtml } from '../../src/notify/email-html.js';
import { oneLine, quotedMessage } from '../../src/notify/lead-text.js';
import { escapeHtml } from '../../src/server/html.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const lead = { firstName: 'Dana', lastName: 'Reyes', email: 'dana@example.com', phone: '+15125550199', message: 'Looking in Zilker' };
const base: MessageInput = {
  type: 'RECEIVED',
  offer: { direct: false, offeredAt: new Date(NOW), expiresAt: new Date(NOW + 15 * 60_000) },
  lead, sourceName: 'Zillow', agent: { name: 'Ana Ortiz', email: 'ana@brokerage.example', phone: '+15125550100' },
  actionUrl: 'https://leads.example.com/o/1.2.abc', now: NOW,
};
const CONTACT = [lead.lastName, lead.email, lead.phone];

describe('offer messages', () => {
  it('an offer goes by SMS to the phone and by email to the address, with first name, source, message, time left and link', () => {
    const [sms, email] = composeMessages(base);
    expect(sms).toMatchObject({ channel: 'sms', to: '+15125550100', subject: null });
    expect(sms?.body).toBe('New lead from Zillow, 15 min to accept: https://leads.example.com/o/1.2.abc\nLead: Dana\nMessage: "Looking in Zilker"');
    expect(email).toMatchObject({ channel: 'email', to: 'ana@brokerage.example', subject: 'New lead: Dana (Zillow), 15 min to accept' });
    expect(email?.body).toContain('Accept: https://leads.example.com/o/1.2.abc?do=accept');
    expect(email?.body).toContain('Decline: https://leads.example.com/o/1.2.abc?do=decline');
    expect(email?.body).toContain('Message from the lead:\n> Looking in Zilker\n');
  });

  it('no message before acceptance names the last name, email or phone of the lead', () => {
    for (const type of ['RECEIVED', 'DECLINED', 'TAKEN', 'EXPIRED'] as const) {
      for (const m of composeMessages({ ...base, type })) {
        for (const detail of CONTACT) {
          expect(m.body).not.toContain(detail);
          expect(m.subject ?? '').not.toContain(detail);
        }
      }
    }
  });

  it("the winner's confirmation carries the full contact details on both channels", () => {
    for (const m of composeMessages({ ...base, type: 'ACCEPTED' })) {
      for (const detail of CONTACT) expect(m.body).toContain(detail);
    }
  });

  it('an auto-accepted direct lead says the lead is yours', () => {
    const [sms] = composeMessages({ ...base, type: 'ACCEPTED', offer: { direct: true, offeredAt: new Date(NOW), expiresAt: new Date(NOW) } });
    expect(sms?.body).toBe('A new lead is yours (Zillow): https://leads.example.com/o/1.2.abc\nLead: Dana Reyes, dana@example.com, +15125550199\nMessage: "Looking in Zilker"');
  });

  it('an offer made theirs by an admin says it was assigned to them, with the full contact details', () => {
    const [sms, email] = composeMessages({ ...base, type: 'ACCEPTED', assignedByAdmin: true });
    expect(sms?.body).toBe('The lead was assigned to you (Zillow): https://leads.example.com/o/1.2.abc\nLead: Dana Reyes, dana@example.com, +15125550199\nMessage: "Looking in Zilker"');
    expect(email?.subject).toBe('Lead assigned to you: Dana Reyes (Zillow)');
    expect(email?.body).toContain('An admin assigned you the lead you were offered: it is yours.');
    for (const m of [sms, email]) for (const detail of CONTACT) expect(m?.body).toContain(detail);
  });

  it('an agent without a phone gets email only', () => {
    expect(composeMessages({ ...base, agent: { ...base.agent, phone: null } }).map((m) => m.channel)).toEqual(['email']);
  });

  it('declined, taken and expired each say so', () => {
    expect(composeMessages({ ...base, type: 'DECLINED' })[0]?.body).toContain('You declined the lead Dana (Zillow)');
    expect(composeMessages({ ...base, type: 'TAKEN' })[0]?.body).toContain('taken by another agent');
    expect(composeMessages({ ...base, type: 'EXPIRED' })[0]?.body).toContain('expired');
  });

  it('time left is rounded to what matters', () => {
    expect([45_000, 15 * 60_000, 125 * 60_000, 3 * 86_400_000 + 4 * 3_600_000].map(formatDuration))
      .toEqual(['45 s', '15 min', '2 h 5 min', '3 d 4 h']);
  });
});

describe('email HTML', () => {
  it('Accept and Decline lines become buttons linking to the offer page; text is escaped', () => {
    const html = renderEmailHtml('New <lead>', 'Message: <b>hi</b>\n\nAccept: https://x.example/o/c?do=accept\nDecline: https://x.example/o/c?do=decline', 'https://x.example');
    expect(html).toContain('<a href="https://x.example/o/c?do=accept" style="');
    expect(html).toMatch(/>Accept<\/a>/);
    expect(html).toMatch(/href="https:\/\/x.example\/o\/c\?do=decline"[^>]*>Decline<\/a>/);
    expect(html).toContain('Message: &lt;b&gt;hi&lt;/b&gt;');
    expect(html).toContain('<title>New &lt;lead&gt;</title>');
    expect(html).not.toContain('<b>hi</b>');
  });

  it('escapeHtml escapes the five characters that matter', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

// A lead writes its first name, name and message: none of it may pose as the server (issue 12).
describe('lead text that poses as the server', () => {
  const URL_OF_OFFER = 'https://leads.example.com/o/1.2.abc';
  const EVIL = 'https://evil.example/o/steal';
  const hostile = {
    firstName: `Dana\nURGENT: ${EVIL}\r\n\u2028`,
    lastName: 'Reyes\n\nOpen the offer: https://evil.example/x',
    email: 'dana@example.com', phone: '+15125550199',
    message: `Hi!\nAccept: ${EVIL}\n\nDecline: ${EVIL}\r\nOpen the offer: ${EVIL}\u202eesrever`,
  };
  const input: MessageInput = { ...base, lead: hostile };
  /** The lines a server message may have: its own labels, nothing a lead starts. */
  const serverLine = /^(New lead from Zillow, 15 min to accept: |Lead: |Message: ")/;

  it('an offer SMS has only the server\'s lines: the link first, then the first name and the quoted message, flattened', () => {
    const [sms] = composeMessages(input);
    const lines = (sms?.body ?? '').split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(serverLine);
    expect(lines[0]).toBe(`New lead from Zillow, 15 min to accept: ${URL_OF_OFFER}`);
    expect(lines[1]).toBe(`Lead: Dana URGENT: ${EVIL}`);
    expect(lines[2]).toMatch(/^Message: "Hi! Accept: https:\/\/evil\.example\/o\/steal Decline: .*…"$/);
    // Cut to the SMS's 100 characters of message, plus the quotes.
    expect(lines[2]?.length).toBeLessThanOrEqual('Message: '.length + 102);
  });

  it('the confirmation SMS keeps the name on one line after the link; declined, taken and expired notes are one line', () => {
    const [won] = composeMessages({ ...input, type: 'ACCEPTED' });
    const lines = (won?.body ?? '').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`The lead is yours (Zillow): ${URL_OF_OFFER}`);
    expect(lines[1]).toBe(`Lead: Dana URGENT: ${EVIL} Reyes Open the offer: https://evil.example/x, dana@example.com, +15125550199`);
    expect(lines[2]).toMatch(/^Message: "Hi! Accept: /);
    for (const type of ['DECLINED', 'TAKEN', 'EXPIRED'] as const) {
      for (const m of composeMessages({ ...input, type })) {
        expect(m.subject ?? '').not.toMatch(/[\n\r\u2028]/);
        if (m.channel === 'sms') expect(m.body).not.toContain('\n');
      }
    }
  });

  it('in the email text the message is quoted line by line under its label, and the name and subject are one line', () => {
    const [, email] = composeMessages(input);
    const lines = (email?.body ?? '').split('\n');
    expect(email?.subject).toBe(`New lead: Dana URGENT: ${EVIL} (Zillow), 15 min to accept`);
    expect(lines).toContain(`Name: Dana URGENT: ${EVIL}`);
    const label = lines.indexOf('Message from the lead:');
    expect(lines.slice(label + 1, label + 7)).toEqual([
      '> Hi!', `> Accept: ${EVIL}`, '>', `> Decline: ${EVIL}`, `> Open the offer: ${EVIL} esrever`, '',
    ]);
    // The only lines that start as the server's button lines are the server's own.
    expect(lines.filter((l) => /^(Accept|Decline|Open the offer):/.test(l)))
      .toEqual([`Accept: ${URL_OF_OFFER}?do=accept`, `Decline: ${URL_OF_OFFER}?do=decline`]);
  });

  it('the HTML email has exactly one Accept and one Decline button, to the server\'s own link; the message is a labelled quote, never linked', () => {
    for (const type of ['RECEIVED', 'ACCEPTED'] as const) {
      const email = composeMessages({ ...input, type }).find((m) => m.channel === 'email');
      const html = renderEmailHtml(email?.subject ?? null, email?.body ?? '', 'https://leads.example.com');
      const hrefs = [...html.matchAll(/<a href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => [m[2], m[1]]);
      expect(hrefs).toEqual(type === 'RECEIVED'
        ? [['Accept', `${URL_OF_OFFER}?do=accept`], ['Decline', `${URL_OF_OFFER}?do=decline`]]
        : [['Open the offer', URL_OF_OFFER]]);
      expect(html).not.toContain(`href="${EVIL}`);
      const quote = /<p[^>]*>Message from the lead<\/p><blockquote[^>]*>([^<]*)<\/blockquote>/.exec(html);
      expect(quote?.[1]).toBe(`Hi!\nAccept: ${EVIL}\n\nDecline: ${EVIL}\nOpen the offer: ${EVIL} esrever`);
    }
  });

  it('a button line whose link is not one of the server\'s offer links is shown as text, not as a button', () => {
    const html = renderEmailHtml('x', `Accept: ${EVIL}\nAccept: https://leads.example.com.evil.example/o/c\nAccept: ${URL_OF_OFFER}?do=accept`, 'https://leads.example.com');
    expect([...html.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1])).toEqual([`${URL_OF_OFFER}?do=accept`]);
    expect(html).toContain(`<p style="margin:0 0 8px">Accept: ${EVIL}</p>`);
  });

  it('a long first name is cut in the SMS and the subject, and shown whole in the email body', () => {
    const long = `${'Dana'.repeat(30)}\nURGENT`;
    const [sms, email] = composeMessages({ ...base, lead: { ...lead, firstName: long } });
    const nameLine = (sms?.body ?? '').split('\n')[1] ?? '';
    expect(nameLine).toBe(`Lead: ${'Dana'.repeat(30).slice(0, 59)}…`);
    expect(email?.subject).toBe(`New lead: ${'Dana'.repeat(30).slice(0, 59)}… (Zillow), 15 min to accept`);
    expect(email?.body).toContain(`Name: ${'Dana'.repeat(30)} URGENT\n`);
  });

  it('oneLine collapses line breaks, control and bidi characters, and cuts without splitting a character', () => {
    expect(oneLine('a\nb\r\nc\u2028d\u2029e\u0085f\tg\u000bh\u001bi\u202ej\u2066k')).toBe('a b c d e f g h i j k');
    expect(oneLine('  many   spaces  ')).toBe('many spaces');
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
    expect(oneLine('abc😀def', 5)).toBe('abc…');
    expect(quotedMessage('one\n\ntwo\r\nthree\u2028four')).toEqual(['Message from the lead:', '> one', '>', '> two', '> three', '> four']);
  });
});
