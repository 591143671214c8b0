// The pieces portal intake is built from (issue 18): which addresses are never the lead, which
// portal sent an email, the unlabelled shapes, and the ZIP at the end of a property address.
import { describe, expect, it } from 'vitest';
import { zipAtEnd } from '../../src/domain/property.js';
import { personName, subjectLead, unlabelledContacts } from '../../src/intake/portal-shapes.js';
import { priceOf } from '../../src/intake/price-scan.js';
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
      prices: [],
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

describe('the price of a listing (issue 18)', () => {
  it('one figure as portals print it, in whole units of its currency; a rent per month as listed', () => {
    expect(priceOf('$615,000')).toBe(615000);
    expect(priceOf(' 615000 ')).toBe(615000);
    expect(priceOf('$1,150,000.00')).toBe(1150000);
    expect(priceOf('$450K')).toBe(450000);
    expect(priceOf('$1.2M')).toBe(1200000);
    expect(priceOf('USD 2,400')).toBe(2400);
    expect(priceOf('$1,995/mo')).toBe(1995);
    expect(priceOf('$2,400 per month')).toBe(2400);
  });

  it('a range, words after the figure, a malformed group or a figure past MAX_PRICE is no price', () => {
    for (const no of ['$400K - $500K', '$400K-$500K', '$615,000 (reduced)', 'Call for price', '$61,50', '$', '',
      '$3,000,000,000', '99999999999', '$0', '615000 more', '$450 Kings Rd']) expect(priceOf(no), no).toBeNull();
  });

  it('a price alone on a line is read, but not when the line above names it as the person\'s (Zillow\'s "Income")', () => {
    expect(unlabelledContacts(['Income', '$96000', 'Manage your listing', '$1,995/mo']).prices).toEqual([1995]);
    expect(unlabelledContacts(['Budget:', '$500,000']).prices).toEqual([]);
  });
});

describe('shapes seen in real portal emails', () => {
  it('"<name> asked:" with a quoted question ends at the closing quote (Zillow rentals, no blank line after it)', () => {
    expect(unlabelledContacts(['Riley Chen asked:', '"Is it still available?', 'Could I see it?"', 'Move in', 'in 2 months']).says)
      .toEqual({ name: 'Riley Chen', message: 'Is it still available?\nCould I see it?' });
  });

  it('"Name [mailto:address]" (StreetEasy) gives the name beside the address', () => {
    expect(unlabelledContacts(['Avery Kim [mailto:avery.kim@example.com]']).emails)
      .toEqual([{ address: 'avery.kim@example.com', name: 'Avery Kim' }]);
  });

  it('realtor.com\'s subject names the person; Zillow rentals\' names the property', () => {
    expect(subjectLead('New realtor.com lead - Rebecca Stone')).toEqual({ name: 'Rebecca Stone', property: null });
    expect(subjectLead('Fwd: New message about 515 W 122nd St #6, New York, NY, 10027'))
      .toEqual({ name: null, property: '515 W 122nd St #6, New York, NY, 10027' });
  });

  it('a ZIP after the state and a comma, as Zillow\'s subjects write it', () => {
    expect(zipAtEnd('1919 W Diamond St #2, Philadelphia, PA, 19121')).toBe('19121');
    expect(zipAtEnd('Unit 4, 12345')).toBeNull();
  });
});
