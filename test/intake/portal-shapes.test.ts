// The pieces portal intake is built from (issue 18): which addresses are never the lead, which
// portal sent an email, the unlabelled shapes, and the ZIP at the end of a property address.
import { describe, expect, it } from 'vitest';
import { zipAtEnd } from '../../src/domain/property.js';
import { personName, subjectLead, unlabelledContacts } from '../../src/intake/portal-shapes.js';
import { identifyPortal, isNeverTheLead, isRelayAddress } from '../../src/intake/portals.js';

describe('portals', () => {
  it('a relay reaches the person; a portal\'s own or a no-reply address is never the lead; a person\'s is', () => {
    expect(isRelayAddress('2k8x4h1pq7@convo.zillow.com')).toBe(true);
    expect(isNeverTheLead('2k8x4h1pq7@convo.zillow.com')).toBe(false);
    for (const a of ['leads@email.realtor.com', 'no-reply@mail.zillow.com', 'noreply@alerts.mls.example', 'Do-Not-Reply@broker.example']) {
      expect(isNeverTheLead(a), a).toBe(true);
    }
    for (const a of ['jordan.avery@example.com', 'info@smithfamily.example', 'zillowfan@example.com']) {
      expect(isNeverTheLead(a), a).toBe(false);
    }
  });

  it('a portal is known by a sender\'s domain (subdomains too), else by its subject', () => {
    expect(identifyPortal(null, ['agent@broker.example', 'leads@trulia.com'])?.source).toBe('Trulia');
    expect(identifyPortal(null, ['x@convo.zillow.com'])?.source).toBe('Zillow');
    expect(identifyPortal('Fwd: New realtor.com lead', ['agent@broker.example'])?.source).toBe('realtor.com');
    // A look-alike domain is not the portal.
    expect(identifyPortal('Hello', ['a@notzillow.com', 'b@zillow.com.evil.example'])).toBeNull();
  });
});

describe('unlabelled shapes', () => {
  it('"<name> says:" gives the name and the message up to the next blank line', () => {
    const found = unlabelledContacts(['Jordan Avery says:', 'Is it still available?', 'Saturday works.', '', '(512) 555-0143', 'jordan@example.com']);
    expect(found).toEqual({
      says: { name: 'Jordan Avery', message: 'Is it still available?\nSaturday works.' },
      emails: [{ address: 'jordan@example.com', name: null }],
      phones: ['(512) 555-0143'],
    });
  });

  it('a name beside or above a bare address is kept; prose around an address is not a name', () => {
    expect(unlabelledContacts(['Taylor Brooks', 'taylor@example.com']).emails).toEqual([{ address: 'taylor@example.com', name: 'Taylor Brooks' }]);
    expect(unlabelledContacts(['Taylor Brooks taylor@example.com ']).emails).toEqual([{ address: 'taylor@example.com', name: 'Taylor Brooks' }]);
    expect(unlabelledContacts(['Questions? Write to help@example.com']).emails).toEqual([]);
    expect(unlabelledContacts(['Call 512 555 0143 today']).phones).toEqual([]);
  });

  it('a person\'s name: words of letters, apostrophes and hyphens, at most five', () => {
    expect(personName("Devon O'Neil")).toBe("Devon O'Neil");
    expect(personName('José Ruiz-López')).toBe('José Ruiz-López');
    for (const no of ['New Contact: Priya', 'Unit 4', 'a b c d e f', '', 'x@example.com']) expect(personName(no), no).toBeNull();
  });

  it('subjects that name the person and the property, under Fwd:/Re: prefixes', () => {
    expect(subjectLead('Fwd: RE: Jordan Avery is requesting information about 4812 Lakeview Dr, Austin, TX 78731.'))
      .toEqual({ name: 'Jordan Avery', property: '4812 Lakeview Dr, Austin, TX 78731' });
    expect(subjectLead('New Contact: Priya is interested in 1208 W 6th St')).toBeNull();
    expect(subjectLead('Your listing had 214 views')).toBeNull();
  });
});

describe('the ZIP at the end of a US address', () => {
  it('after the state\'s two capitals; ZIP+4 gives its five digits; anything else is no ZIP', () => {
    expect(zipAtEnd('4812 Lakeview Dr, Austin, TX 78731')).toBe('78731');
    expect(zipAtEnd('245 W 107th St #5C, New York, NY 10025-1234.')).toBe('10025');
    for (const no of ['Unit 12345', '2104 E 12th St, Austin, TX', '78731', 'Austin, TX 7873', 'PO Box 78731']) expect(zipAtEnd(no), no).toBeNull();
  });
});
