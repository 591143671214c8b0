// What offer messages say: no contact detail before an agent has won the lead, the full details in
// the winner's confirmation, the time left and the link; and how an email's buttons are rendered.
import { describe, expect, it } from 'vitest';
import { composeMessages, formatDuration, type MessageInput } from '../../src/notify/messages.js';
import { renderEmailHtml } from '../../src/notify/email-html.js';
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
    expect(sms?.body).toBe('New lead: Dana from Zillow. "Looking in Zilker" 15 min to accept: https://leads.example.com/o/1.2.abc');
    expect(email).toMatchObject({ channel: 'email', to: 'ana@brokerage.example', subject: 'New lead: Dana (Zillow), 15 min to accept' });
    expect(email?.body).toContain('Accept: https://leads.example.com/o/1.2.abc?do=accept');
    expect(email?.body).toContain('Decline: https://leads.example.com/o/1.2.abc?do=decline');
    expect(email?.body).toContain('Message: Looking in Zilker');
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
    expect(sms?.body).toMatch(/^A new lead is yours: Dana Reyes, dana@example.com, \+15125550199/);
  });

  it('an offer made theirs by an admin says it was assigned to them, with the full contact details', () => {
    const [sms, email] = composeMessages({ ...base, type: 'ACCEPTED', assignedByAdmin: true });
    expect(sms?.body).toMatch(/^The lead was assigned to you: Dana Reyes, dana@example.com, \+15125550199 \(Zillow\)/);
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
    const html = renderEmailHtml('New <lead>', 'Message: <b>hi</b>\n\nAccept: https://x.example/o/c?do=accept\nDecline: https://x.example/o/c?do=decline');
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
