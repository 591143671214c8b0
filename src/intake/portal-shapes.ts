// The unlabelled shapes portal notifications use, read in one pass each (anyone can mail a
// forwarding address: nothing here may take more than linear time, and no regular expression here
// runs on unbounded text):
//   - "Jordan Avery says:" (or "asked:", Zillow's rentals) followed by the person's message (Zillow, Trulia);
//   - an email address or a phone number alone on a line ("bare"), and the person's name on the line
//     before the address or on the same line (Zillow's contact block, listing notifications whose
//     table cells carry no labels);
//   - a price alone on a line ("$1,995/mo" above a Zillow rental's address), unless the line before it
//     names what the figure is (the renter's "Income");
//   - subjects such as "Jordan Avery is requesting information about 4812 Lakeview Dr, Austin, TX 78731",
//     "New realtor.com lead - Rebecca Sutton", "New message about 515 W 122nd St #6, New York, NY, 10027".
import { asciiLower, isAsciiLetter, isDigit } from './chars.js';
import { findEmailAddress, phoneCandidate } from './contact-scan.js';
import { priceOf } from './price-scan.js';

/** Lines longer than this are prose or an attack, never a bare contact line or a name: skipped unread. */
const MAX_SHAPE_LINE = 200;
const MAX_NAME = 60;

export interface UnlabelledContacts {
  /** From "<name> says:", with the message that follows it (up to a blank line). */
  says: { name: string; message: string } | null;
  /** Addresses alone on a line (or after a name), in order, each with the name beside it if any. */
  emails: { address: string; name: string | null }[];
  /** Phone numbers alone on a line, in order (as written). */
  phones: string[];
  /** Prices alone on a line ("$" first), in order, but for figures the line before names (income, budget). */
  prices: number[];
}

/**
 * A person's name as portals print it: one to five words of letters (any script), with "'", "-" and
 * "." inside them; no digits, no "@", no colon. Null for anything else.
 */
export function personName(raw: string): string | null {
  const text = raw.trim();
  if (text === '' || text.length > MAX_NAME) return null;
  let words = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20) {
      if (text.charCodeAt(i - 1) === 0x20) return null;
      words++;
    } else if (!(isAsciiLetter(c) || c >= 0xc0 || c === 0x27 || c === 0x2d || c === 0x2e || c === 0x2019)) {
      return null;
    }
  }
  return words <= 5 ? text : null;
}

/** What ends the line that names the person before their message. */
const SAYS = [' says:', ' asked:'];
/**
 * Lines that name the figure on the line below as the person's, not the listing's (Zillow's rental
 * inquiries list "Income" then "$150000" beside "$1,995/mo").
 */
const NOT_A_PRICE = new Set(['income', 'annualincome', 'monthlyincome', 'householdincome', 'budget', 'maxbudget',
  'maxprice', 'minprice', 'pricerange', 'downpayment', 'preapproved', 'preapprovedamount', 'preapprovalamount',
  'salary', 'deposit', 'securitydeposit']);
/** A price line is short: "$1,150,000", "$1,995/mo". */
const MAX_PRICE_LINE = 40;

/** The "<name> says:" marker that ends the line, if any. */
function saysMarker(lowerLine: string): string | undefined {
  return SAYS.find((marker) => lowerLine.endsWith(marker));
}

/** The contacts a portal email gives without labels. */
export function unlabelledContacts(lines: readonly string[]): UnlabelledContacts {
  const found: UnlabelledContacts = { says: null, emails: [], phones: [], prices: [] };
  let previous: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    if (line.length > MAX_SHAPE_LINE) {
      previous = null;
      continue;
    }
    const marker = found.says ? undefined : saysMarker(asciiLower(line));
    if (marker) {
      const name = personName(line.slice(0, -marker.length));
      if (name) {
        const message: string[] = [];
        for (let j = i + 1; j < lines.length; j++) {
          const next = (lines[j] ?? '').trim();
          if (next === '') {
            if (message.length > 0) break;
            continue;
          }
          message.push(next);
          i = j;
          // A quoted question (Zillow's rentals, with no blank line after it) ends at its closing quote.
          if (isQuote(message[0]?.charCodeAt(0) ?? 0) && isQuote(next.charCodeAt(next.length - 1))
            && (message.length > 1 || next.length > 1)) break;
        }
        found.says = { name, message: unquoted(message.join('\n')) };
        previous = null;
        continue;
      }
    }
    const at = findEmailAddress(line);
    if (line.charCodeAt(0) === 0x24 && line.length <= MAX_PRICE_LINE) {
      const price = priceOf(line);
      const before = previous === null ? '' : asciiLower(previous).replace(/[^a-z]/g, '');
      if (price !== null && !NOT_A_PRICE.has(before)) found.prices.push(price);
    } else if (at) {
      // "Avery Kim [mailto:avery.kim@example.com]" (StreetEasy): the "mailto:" is no part of the name.
      const before = line.slice(0, at.start);
      const head = asciiLower(before).endsWith('mailto:') ? before.slice(0, -'mailto:'.length) : before;
      const rest = (head + line.slice(at.end)).replace(/[<>()[\]:,;|]/g, ' ').trim();
      if (rest === '') {
        found.emails.push({ address: line.slice(at.start, at.end), name: previous ? personName(previous) : null });
      } else {
        const name = personName(rest);
        if (name) found.emails.push({ address: line.slice(at.start, at.end), name });
      }
    } else {
      const phone = phoneCandidate(line);
      if (phone !== null && (phone.length === line.length || (line.charCodeAt(0) === 0x2b && phone.length === line.length - 1))
        && digitCount(phone) >= 7) {
        found.phones.push(line);
      }
    }
    previous = line;
  }
  return found;
}

function isQuote(c: number): boolean {
  return c === 0x22 || c === 0x201c || c === 0x201d;
}

/** The text without the double quotes (straight or typographic) around it: Zillow quotes what the person asked. */
function unquoted(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isQuote(s.charCodeAt(start))) start++;
  while (end > start && isQuote(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end).trim();
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (isDigit(s.charCodeAt(i))) n++;
  return n;
}

/** Subject phrases between a person's name and the property ("<name> is requesting information about <address>"). */
const SUBJECT_VERBS = [' is requesting information about ', ' is interested in ', ' wants to tour ', ' requested a tour of ',
  ' has a question about ', ' sent you a message about '];
/** Subject prefixes forwarding and replying add. */
const SUBJECT_PREFIXES = ['fwd:', 'fw:', 're:'];
const MAX_SUBJECT = 1000;

/** Subject prefixes followed by the person's name alone ("New realtor.com lead - Rebecca Sutton"). */
const SUBJECT_NAME_PREFIXES = ['new realtor.com lead - ', 'new realtor.com lead: '];
/** Subject prefixes followed by the property alone (Zillow's rentals: "New message about 515 W 122nd St #6, …"). */
const SUBJECT_PROPERTY_PREFIXES = ['new message about ', 'new inquiry about ', 'inquiry about '];

/** What a portal's subject names: the person, the property or both, if it is in one of the shapes above. */
export function subjectLead(subject: string | null): { name: string | null; property: string | null } | null {
  let text = (subject ?? '').slice(0, MAX_SUBJECT).trim();
  for (let again = true; again;) {
    again = false;
    for (const prefix of SUBJECT_PREFIXES) {
      if (asciiLower(text.slice(0, prefix.length)) === prefix) {
        text = text.slice(prefix.length).trim();
        again = true;
      }
    }
  }
  const lower = asciiLower(text);
  for (const prefix of SUBJECT_NAME_PREFIXES) {
    const name = lower.startsWith(prefix) ? personName(text.slice(prefix.length)) : null;
    if (name) return { name, property: null };
  }
  for (const prefix of SUBJECT_PROPERTY_PREFIXES) {
    const property = lower.startsWith(prefix) ? withoutEndMarks(text.slice(prefix.length)) : '';
    if (property) return { name: null, property };
  }
  for (const verb of SUBJECT_VERBS) {
    const at = lower.indexOf(verb);
    if (at <= 0) continue;
    const name = personName(text.slice(0, at));
    const property = withoutEndMarks(text.slice(at + verb.length));
    if (name && property) return { name, property };
  }
  return null;
}

/** The text without the "." and "!" that end a sentence. */
function withoutEndMarks(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0x2e || text.charCodeAt(end - 1) === 0x21)) end--;
  return text.slice(0, end).trim();
}
