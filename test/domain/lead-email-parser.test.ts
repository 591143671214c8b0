// The forwarded-email lead parser: labelled lines, HTML tables, portal-like samples, the sender as
// the last resort. The samples are written for these tests in the shape portals use.
import { describe, expect, it } from 'vitest';
import { extractLead, htmlToText, readLead, type EmailForExtraction } from '../../src/intake/lead-email-parser.js';

const AGENT = 'ana@brokerage.example';
const FORWARD = 'ana.leads@leads.example.com';

function email(parts: Partial<EmailForExtraction>): EmailForExtraction {
  return { subject: null, text: null, html: null, senders: [{ name: 'Ana Agent', address: AGENT }], notTheLead: [AGENT, FORWARD], ...parts };
}

describe('labelled lines', () => {
  it('reads Name, Email, Phone and a message that runs over several lines', () => {
    const lead = extractLead(email({
      text: 'New inquiry from your website\n\nName: Dana Reyes\nEmail: Dana@Example.com\nPhone: (512) 555-0199\n'
        + 'Message: Looking for a 3 bed in Zilker.\nWe can see it on Saturday.\n\nThanks,\nThe website',
    }));
    expect(lead).toEqual({
      firstName: 'Dana', lastName: 'Reyes', email: 'dana@example.com', phone: '+15125550199',
      message: 'Looking for a 3 bed in Zilker.\nWe can see it on Saturday.', postalCode: null, propertyAddress: null,
    });
  });

  it('prefers First Name / Last Name over a split Name, and reads Comments as the message', () => {
    const lead = extractLead(email({ text: 'First Name: Mary Ann\nLast Name: Van Dyke\nE-mail: mvd@example.org\nComments: Call after 5' }));
    expect(lead).toMatchObject({ firstName: 'Mary Ann', lastName: 'Van Dyke', email: 'mvd@example.org', message: 'Call after 5' });
  });

  it('reads labels under forwarded-mail quoting ("> ")', () => {
    const lead = extractLead(email({ text: '---------- Forwarded message ---------\n> Name: Lee Park\n> Phone: +1 512 555 0142' }));
    expect(lead).toMatchObject({ firstName: 'Lee', lastName: 'Park', phone: '+15125550142', email: null });
  });

  it('"Reyes, Dana" is last name, first name', () => {
    expect(extractLead(email({ text: 'Name: Reyes, Dana\nEmail: d@example.com' }))).toMatchObject({ firstName: 'Dana', lastName: 'Reyes' });
  });

  it("never takes the agent's own address for the lead's", () => {
    const lead = extractLead(email({ text: `Name: Kim\nEmail: ${AGENT}\nEmail: kim@example.com` }));
    expect(lead?.email).toBe('kim@example.com');
  });
});

describe('unusable contact fields are dropped, not the lead', () => {
  const long = `${'x'.repeat(250)}@example.com`;

  it('an over-long address: the name and phone stay, the email is dropped and reported without its value', () => {
    expect(readLead(email({ text: `Name: Lena Long\nEmail: ${long}\nPhone: 512 555 0188` }))).toEqual({
      lead: { firstName: 'Lena', lastName: 'Long', email: null, phone: '+15125550188', message: null, postalCode: null, propertyAddress: null },
      dropped: [{ field: 'email', reason: 'address longer than 254 characters' }],
      portal: null,
    });
  });

  it('a phone number with too many digits, or none: the phone is dropped', () => {
    expect(readLead(email({ text: 'Name: Pia\nEmail: pia@example.com\nPhone: +1 512 555 0188 0199 0200' }))).toMatchObject({
      lead: { firstName: 'Pia', email: 'pia@example.com', phone: null },
      dropped: [{ field: 'phone', reason: 'not a valid phone number' }],
    });
    expect(readLead(email({ text: 'Name: Pia\nPhone: call me\nEmail: n/a' })).dropped).toEqual([
      { field: 'email', reason: 'no email address in the value' }, { field: 'phone', reason: 'no phone number in the value' },
    ]);
  });

  it('a usable value elsewhere in the email wins, and nothing is reported', () => {
    expect(readLead(email({ text: `Email: ${long}\nPhone: 1 2\nEmail: kim@example.com\nTel: 512-555-0100` }))).toEqual({
      lead: { firstName: 'Unknown', lastName: null, email: 'kim@example.com', phone: '+15125550100', message: null, postalCode: null, propertyAddress: null },
      dropped: [],
      portal: null,
    });
  });

  it('a sender whose address is unusable is passed over for the next', () => {
    const lead = extractLead(email({
      text: 'Is it still for sale?', senders: [{ name: 'Long Sender', address: long }, { name: 'Sam Ortiz', address: 'sam@example.com' }],
    }));
    expect(lead).toMatchObject({ firstName: 'Sam', lastName: 'Ortiz', email: 'sam@example.com' });
  });
});

describe('line breaks', () => {
  it('a lone CR, U+2028 or U+2029 ends a line like LF and CRLF', () => {
    expect(extractLead(email({ text: 'Name: Ada Byron\rEmail: ada@example.com\u2028Phone: 512 555 0101\u2029Message: Hi' })))
      .toEqual({ firstName: 'Ada', lastName: 'Byron', email: 'ada@example.com', phone: '+15125550101', message: 'Hi', postalCode: null, propertyAddress: null });
  });
});

describe('HTML tables', () => {
  it('reads <tr><td>Label</td><td>value</td></tr> rows, with entities and mailto links', () => {
    const lead = extractLead(email({
      html: '<table><tr><th>Name:</th><td>Jos&eacute; Ruiz-L&oacute;pez</td></tr>'
        + '<tr><td>Email</td><td><a href="mailto:ruiz@example.com">ruiz@example.com</a></td></tr>'
        + '<tr><td>Phone Number</td><td>512.555.0177</td></tr>'
        + '<tr><td>Message</td><td>Is the &lt;pool&gt; heated?</td></tr></table>',
    }));
    expect(lead).toEqual({
      firstName: 'José', lastName: 'Ruiz-López', email: 'ruiz@example.com', phone: '+15125550177', message: 'Is the <pool> heated?',
      postalCode: null, propertyAddress: null,
    });
  });
});

describe('portal-like samples', () => {
  it('a Zillow-like HTML lead email', () => {
    const html = `<html><body><h2>New Contact: Priya is interested in 1208 W 6th St</h2>
      <table class="lead"><tbody>
        <tr><td class="label">Name</td><td class="value">Priya Natarajan</td></tr>
        <tr><td class="label">Email</td><td class="value"><a href="mailto:priya.n@example.net">priya.n@example.net</a></td></tr>
        <tr><td class="label">Phone</td><td class="value">(737) 555-0123</td></tr>
        <tr><td class="label">Message</td><td class="value">I would like to schedule a tour of 1208 W 6th St.</td></tr>
      </tbody></table>
      <p>Reply to this email to respond. Zillow Premier Agent</p></body></html>`;
    const lead = extractLead(email({
      subject: 'New Contact: Priya is interested in 1208 W 6th St', html, text: htmlToText(html),
      senders: [{ name: 'Zillow', address: 'no-reply@zillow.example' }],
    }));
    expect(lead).toEqual({
      firstName: 'Priya', lastName: 'Natarajan', email: 'priya.n@example.net', phone: '+17375550123',
      message: 'I would like to schedule a tour of 1208 W 6th St.', postalCode: null, propertyAddress: null,
    });
  });

  it('a Realtor.com-like plain-text lead email', () => {
    const text = [
      'You have a new lead from realtor.com!',
      '',
      'Property Address: 4402 Avenue D, Austin, TX 78751',
      'List Price: $649,000',
      '',
      'First Name: Marcus',
      'Last Name: Oyelaran',
      'Email Address: marcus.o@example.com',
      'Phone Number: 512-555-0110',
      'Comments: Is this home still available? We are pre-approved.',
      '',
      'Lead ID: RDC-88213',
    ].join('\r\n');
    const lead = extractLead(email({ subject: 'New realtor.com lead', text, senders: [{ name: 'realtor.com', address: 'leads@realtor.example' }] }));
    expect(lead).toEqual({
      firstName: 'Marcus', lastName: 'Oyelaran', email: 'marcus.o@example.com', phone: '+15125550110',
      message: 'Is this home still available? We are pre-approved.',
      propertyAddress: '4402 Avenue D, Austin, TX 78751', postalCode: '78751',
    });
  });
});

describe('the sender as the last resort', () => {
  it('a prospect writing in directly is the lead: Reply-To, then From; the text is the message', () => {
    const lead = extractLead(email({
      subject: 'House on Elm', text: 'Hi, is the house on Elm still for sale?',
      senders: [{ name: 'Sam Ortiz', address: 'sam@example.com' }, { name: 'Ana Agent', address: AGENT }],
    }));
    expect(lead).toEqual({
      firstName: 'Sam', lastName: 'Ortiz', email: 'sam@example.com', phone: null, message: 'House on Elm\n\nHi, is the house on Elm still for sale?',
      postalCode: null, propertyAddress: null,
    });
  });

  it('when the agent forwards it, the forwarded "From:" line names the lead', () => {
    const lead = extractLead(email({
      text: '---------- Forwarded message ---------\nFrom: Jo Bell <jo.bell@example.com>\nSubject: Listing\n\nCan I see it?',
    }));
    expect(lead).toMatchObject({ firstName: 'Jo', lastName: 'Bell', email: 'jo.bell@example.com' });
  });

  it('names nobody when only the agent sent it and the body has no lead', () => {
    expect(extractLead(email({ text: 'see below', senders: [{ name: 'Ana Agent', address: AGENT }] }))).toBeNull();
  });

  it('contact details without a name still make a lead, named "Unknown"', () => {
    expect(extractLead(email({ text: 'Email: x@example.com' }))).toMatchObject({ firstName: 'Unknown', email: 'x@example.com' });
  });
});
