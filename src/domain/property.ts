// The property a lead is about: where the client wants to buy or sell. A form or submitLead gives a
// postal code (matched against agents' service areas where routing does that) and an address; a
// portal's email gives the listing's address, and the postal code is read from its end.

/** Longest postal code kept (the longest national formats, with spaces, fit in 10). */
export const MAX_POSTAL_CODE = 20;
/** Longest property address kept: a street line, a unit and a city line, with room to spare. */
export const MAX_PROPERTY_ADDRESS = 300;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;

/**
 * The US ZIP code (5 digits, or ZIP+4 kept as its 5) at the end of an address line such as
 * "4812 Lakeview Dr, Austin, TX 78731" or "…, NY 10025-1234", or null. One pass from the end.
 */
export function zipAtEnd(address: string): string | null {
  let end = address.length;
  while (end > 0 && !isDigit(address.charCodeAt(end - 1))) {
    const c = address.charCodeAt(end - 1);
    // Only spaces and closing punctuation may follow the code: "78731." or "78731)".
    if (c !== 0x20 && c !== 0x2e && c !== 0x29 && c !== 0x09) return null;
    end--;
  }
  let start = end;
  while (start > 0 && isDigit(address.charCodeAt(start - 1))) start--;
  let digits = address.slice(start, end);
  if (digits.length === 4 && address.charCodeAt(start - 1) === 0x2d) {
    // ZIP+4: step over "-1234" to the five digits before it.
    const plusEnd = start - 1;
    let plusStart = plusEnd;
    while (plusStart > 0 && isDigit(address.charCodeAt(plusStart - 1))) plusStart--;
    if (plusEnd - plusStart !== 5) return null;
    start = plusStart;
    digits = address.slice(plusStart, plusEnd);
  }
  if (digits.length !== 5) return null;
  // A ZIP follows its state's two capitals ("TX 78731"); a house or unit number ("Unit 12345") does not.
  const a = address.charCodeAt(start - 3);
  const b = address.charCodeAt(start - 2);
  const before = start >= 4 ? address.charCodeAt(start - 4) : 0x20;
  return address.charCodeAt(start - 1) === 0x20 && isUpper(a) && isUpper(b) && (before === 0x20 || before === 0x2c) ? digits : null;
}
