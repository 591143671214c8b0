// Pulls a lead (name, email, phone, message) out of a forwarded lead email: pure, no I/O. Portals and
// website builders send leads in a few common shapes, all handled here:
//   - labelled lines: "Name: …", "First Name: …", "Last Name: …", "Email: …", "Phone: …",
//     "Message: …" / "Comments: …" (the message may run on over the following lines);
//   - HTML tables: <tr><td>Name</td><td>…</td></tr>;
//   - the unlabelled shapes of portal notifications (portal-shapes.ts): "<name> says:", an address
//     or a phone alone on a line, a subject naming the person and the property;
//   - neither: the sender (Reply-To, then the forwarded "From:", then From) is the lead, and the
//     email's text is the message.
// Anyone can mail a forwarding address, so every step takes time linear in the email: lines and
// labels are read by hand, addresses, phone numbers and HTML by the scanners beside this file (no
// regular expression here can backtrack), and only the first MAX_SCANNED_CHARS of the text and of
// the HTML are read at all. A field whose value is unusable (an over-long address, a phone number
// with too many digits) is dropped and reported, and the rest of the lead kept.
import { DEFAULT_PHONE_REGION, normalizePhone, type PhoneRegion } from '../domain/phone.js';
import { MAX_POSTAL_CODE, MAX_PROPERTY_ADDRESS, zipAtEnd } from '../domain/property.js';
import { normalizeEmail } from '../domain/validation.js';
import { isAsciiLetter, isSpace, skipSpaces } from './chars.js';
import { findEmailAddress, firstEmailAddress, phoneCandidate } from './contact-scan.js';
import { htmlToText, stripTags, twoCellRows } from './html-scan.js';
import { subjectLead, unlabelledContacts } from './portal-shapes.js';
import { identifyPortal, isNeverTheLead, isRelayAddress, type Portal } from './portals.js';

export { htmlToText } from './html-scan.js';

export interface EmailForExtraction {
  subject: string | null;
  text: string | null;
  html: string | null;
  /** Reply-To first, then From: the people who sent it, as the MIME parser read them. */
  senders: { name: string; address: string }[];
  /** Addresses that are never the lead: the agent's own and the forwarding address. */
  notTheLead: string[];
  /** The country of a phone written without one (DEFAULT_PHONE_REGION); US when not given. */
  phoneRegion?: PhoneRegion;
}

export interface ExtractedLead {
  firstName: string;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  message: string | null;
  postalCode: string | null;
  propertyAddress: string | null;
}

/** A contact field the email gave but that could not be used; the reason never quotes the value. */
export interface DroppedField {
  field: 'email' | 'phone';
  reason: string;
}

export interface LeadReading {
  /** Null when the email names nobody (no name, no email, no phone anywhere). */
  lead: ExtractedLead | null;
  /** Labelled contact fields left out of the lead because their value was unusable. */
  dropped: DroppedField[];
  /** The portal that sent it (by its senders or subject), or null for any other email. */
  portal: Portal | null;
}

type Field = 'name' | 'firstName' | 'lastName' | 'email' | 'phone' | 'message' | 'property' | 'postalCode';

/** Labels as portals write them, lower-cased with everything but letters removed. */
const LABELS: ReadonlyMap<string, Field> = new Map(Object.entries({
  name: 'name', fullname: 'name', contactname: 'name', yourname: 'name', leadname: 'name', buyername: 'name',
  clientname: 'name', customername: 'name',
  firstname: 'firstName', first: 'firstName', givenname: 'firstName',
  lastname: 'lastName', last: 'lastName', surname: 'lastName', familyname: 'lastName',
  email: 'email', emailaddress: 'email', youremail: 'email', contactemail: 'email',
  phone: 'phone', phonenumber: 'phone', telephone: 'phone', tel: 'phone', mobile: 'phone', cell: 'phone',
  cellphone: 'phone', mobilephone: 'phone', yourphone: 'phone', contactphone: 'phone',
  message: 'message', messages: 'message', comments: 'message', comment: 'message', messagecomments: 'message',
  questions: 'message', question: 'message', notes: 'message', note: 'message', inquiry: 'message',
  enquiry: 'message', yourmessage: 'message',
  // Facebook lead ads' field keys (full_name, phone_number, zip_code) read as these once "_" is dropped.
  phonenumbers: 'phone', primaryphone: 'phone',
  property: 'property', propertyaddress: 'property', listing: 'property', listingaddress: 'property',
  propertyofinterest: 'property', address: 'property', streetaddress: 'property', home: 'property',
  zip: 'postalCode', zipcode: 'postalCode', postalcode: 'postalCode', postcode: 'postalCode', zippostalcode: 'postalCode',
}) as [string, Field][]);

/** How many lines a property address may run on over when its label line holds no value. */
const MAX_PROPERTY_LINES = 3;

const MAX_MESSAGE = 5000;
/** The longest label: a first letter and up to 30 more of letters, spaces, ".", "/", "_", "-". */
const MAX_LABEL = 31;
/**
 * How much of the text and of the HTML is read (each). Lead details sit at the top of a lead email;
 * past this is a forwarded thread or an attachment pasted inline, and reading it would only cost time.
 */
export const MAX_SCANNED_CHARS = 1024 * 1024;

function fieldOf(label: string): Field | undefined {
  return LABELS.get(label.toLowerCase().replace(/[^a-z]/g, ''));
}

/** [A-Za-z /._-]: what a label may hold after its first letter. */
function isLabelChar(c: number): boolean {
  return isAsciiLetter(c) || c === 0x20 || c === 0x2f || c === 0x2e || c === 0x5f || c === 0x2d;
}

/**
 * A "Label: value" line: optional leading space, a label (a letter, then letters, spaces and
 * "/._-", at most MAX_LABEL characters), optional space, a colon, the value. Read by hand in one
 * pass; null when the line is not one.
 */
function labelLine(line: string): { field: Field; value: string } | null {
  const shape = labelShape(line);
  const field = shape ? fieldOf(shape.label) : undefined;
  return shape && field ? { field, value: line.slice(shape.colon + 1).trim() } : null;
}

/** The label and the colon's index of a line shaped "Label: value", whether or not the label is known. */
function labelShape(line: string): { label: string; colon: number } | null {
  const start = skipSpaces(line, 0);
  if (!isAsciiLetter(line.charCodeAt(start))) return null;
  let end = start + 1;
  while (end < line.length && isLabelChar(line.charCodeAt(end))) end++;
  const colon = skipSpaces(line, end);
  if (line.charCodeAt(colon) !== 0x3a) return null;
  const label = line.slice(start, end).trimEnd();
  return label.length > MAX_LABEL ? null : { label, colon };
}

/** The line without forwarded-mail quoting: any number of ">" (with space around them) and one space after. */
function unquote(line: string): string {
  let at = 0;
  for (;;) {
    const gt = skipSpaces(line, at);
    if (line.charCodeAt(gt) !== 0x3e) break;
    at = gt + 1;
  }
  if (at === 0) return line;
  return line.slice(at < line.length && isSpace(line.charCodeAt(at)) ? at + 1 : at);
}

/** Label/value pairs from "Label: value" lines; a message runs on until a blank line or a new label. */
function linePairs(lines: readonly string[]): [Field, string][] {
  const pairs: [Field, string][] = [];
  for (let i = 0; i < lines.length; i++) {
    const labelled = labelLine(lines[i] ?? '');
    if (!labelled) continue;
    const { field } = labelled;
    let value = labelled.value;
    if (field === 'message') {
      const more: string[] = [];
      let length = value.length;
      for (let j = i + 1; j < lines.length; j++) {
        const next = (lines[j] ?? '').trim();
        if (next === '' && (value !== '' || more.length > 0)) break;
        if (labelLine(next)) break;
        // Past the message's limit the lines are skipped, not kept: it is clipped anyway.
        if (next !== '' && length <= MAX_MESSAGE) {
          more.push(next);
          length += next.length + 1;
        }
        i = j;
      }
      value = [value, ...more].filter(Boolean).join('\n');
    } else if (field === 'property' && value === '') {
      // "Property Address:" with the address on the lines below it (realtor.com).
      const more: string[] = [];
      for (let j = i + 1; j < lines.length && more.length < MAX_PROPERTY_LINES; j++) {
        const next = (lines[j] ?? '').trim();
        // Any "Label:" line ends it, known or not ("List Price: $615,000").
        if (next === '' || next.length > MAX_PROPERTY_ADDRESS || labelShape(next)) break;
        more.push(next);
        i = j;
      }
      value = more.join(', ');
    }
    if (value) pairs.push([field, value]);
  }
  return pairs;
}

/** The text's lines (any line break: CRLF, LF, CR, U+2028, U+2029), unquoted. */
function linesOf(text: string): string[] {
  return text.split(/\r\n|[\n\r\u2028\u2029]/).map(unquote);
}

/** Label/value pairs from HTML table rows with exactly a label cell and a value cell. */
function tablePairs(html: string): [Field, string][] {
  const pairs: [Field, string][] = [];
  for (const [label, value] of twoCellRows(html)) {
    const field = fieldOf(label.endsWith(':') ? label.slice(0, -1) : label);
    if (field && value) pairs.push([field, value]);
  }
  return pairs;
}

/** The address as routing would store it, or why it cannot be one (without quoting it). */
function checkEmail(address: string): { email: string } | { reason: string } {
  if (address.length > 254) return { reason: 'address longer than 254 characters' };
  try {
    return { email: normalizeEmail('email', address) };
  } catch {
    return { reason: 'not a valid email address' };
  }
}

/** The phone number in a labelled value as routing would store it, or why there is none. */
function checkPhone(raw: string, region: PhoneRegion): { phone: string } | { reason: string } {
  const candidate = phoneCandidate(raw);
  if (!candidate) return { reason: 'no phone number in the value' };
  try {
    return { phone: normalizePhone('phone', candidate, region) };
  } catch {
    return { reason: 'not a valid phone number' };
  }
}

/** The text without the single quotes (straight or typographic) at its ends. */
function trimQuotes(s: string): string {
  const isQuote = (c: number) => c === 0x27 || c === 0x2018 || c === 0x2019;
  let start = 0;
  let end = s.length;
  while (start < end && isQuote(s.charCodeAt(start))) start++;
  while (end > start && isQuote(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end).trim();
}

/** "Dana Reyes" → Dana / Reyes; "Reyes, Dana" → Dana / Reyes. */
function splitName(raw: string): { first: string; last: string | null } | null {
  // Quotes around a name go ("'Dana Reyes'"); an apostrophe inside one stays (O'Neil).
  const name = trimQuotes(stripTags(raw).replace(/"/g, '').replace(/\s+/g, ' ').trim());
  if (!name || findEmailAddress(name)) return null;
  const comma = name.indexOf(',');
  if (comma > 0) {
    const first = name.slice(comma + 1).trim();
    if (first) return { first, last: name.slice(0, comma) };
  }
  const [first, ...rest] = name.split(' ');
  return first ? { first, last: rest.length ? rest.join(' ') : null } : null;
}

function clip(text: string): string | null {
  const t = text.trim();
  return t ? t.slice(0, MAX_MESSAGE) : null;
}

/** The people a forwarded message's own "From:" lines name (the agent forwarding it is another). */
function forwardedFrom(lines: readonly string[]): { name: string; address: string }[] {
  const found: { name: string; address: string }[] = [];
  for (const line of lines) {
    const start = skipSpaces(line, 0);
    // (Most lines are not: the first letter decides before anything is copied.)
    if ((line.charCodeAt(start) | 0x20) !== 0x66 || line.slice(start, start + 5).toLowerCase() !== 'from:') continue;
    const value = line.slice(skipSpaces(line, start + 5));
    if (!value) continue;
    const at = findEmailAddress(value);
    const address = at ? value.slice(at.start, at.end) : '';
    const name = at ? value.slice(0, at.start) + value.slice(at.end) : value;
    found.push({ name: stripTags(name).trim(), address });
  }
  return found;
}

/** The address as the lead's email: null when it is never the lead or unusable. */
function leadAddress(raw: string, notTheLead: ReadonlySet<string>): string | null {
  const address = raw.toLowerCase();
  if (notTheLead.has(address) || isNeverTheLead(address)) return null;
  const checked = checkEmail(address);
  return 'email' in checked ? checked.email : null;
}

/** The property address kept (clipped), and its postal code: the labelled one, or the ZIP at its end. */
function propertyOf(address: string | null, postalCode: string | null): { propertyAddress: string | null; postalCode: string | null } {
  const property = address ? address.replace(/\s+/g, ' ').trim().slice(0, MAX_PROPERTY_ADDRESS) || null : null;
  const code = postalCode?.trim().slice(0, MAX_POSTAL_CODE) || (property ? zipAtEnd(property) : null);
  return { propertyAddress: property, postalCode: code };
}

/**
 * The lead in the email, and the contact fields it gave that could not be used. The lead's email is
 * a direct address when the email gives one (labelled, then alone on a line); a portal's reply relay
 * (`…@convo.zillow.com`) only when it gives none; a no-reply or portal address never.
 */
export function readLead(email: EmailForExtraction): LeadReading {
  const region = email.phoneRegion ?? DEFAULT_PHONE_REGION;
  const html = email.html ? email.html.slice(0, MAX_SCANNED_CHARS) : null;
  const text = email.text?.trim() ? email.text.slice(0, MAX_SCANNED_CHARS) : html ? htmlToText(html) : '';
  const lines = linesOf(text);
  const pairs = [...(html ? tablePairs(html) : []), ...linePairs(lines)];
  const notTheLead = new Set(email.notTheLead.map((a) => a.toLowerCase()));
  const forwarded = forwardedFrom(lines);
  const portal = identifyPortal(email.subject, [...email.senders, ...forwarded].map((s) => s.address));
  const found: Partial<Record<Field, string>> = {};
  /** A relay address given where a direct one was expected: used only if no direct one turns up. */
  let relay: { address: string; name: string | null } | null = null;
  /** Why a labelled email or phone was unusable; reported only if no usable one turns up. */
  const unusable: Partial<Record<DroppedField['field'], string>> = {};
  for (const [field, value] of pairs) {
    if (field === 'email') {
      const address = firstEmailAddress(value)?.toLowerCase();
      if (!address) {
        unusable.email ??= 'no email address in the value';
      } else if (!notTheLead.has(address) && !found.email && !isNeverTheLead(address)) {
        const checked = checkEmail(address);
        if (!('email' in checked)) unusable.email ??= checked.reason;
        else if (isRelayAddress(checked.email)) relay ??= { address: checked.email, name: null };
        else found.email = checked.email;
      }
    } else if (field === 'phone') {
      if (found.phone) continue;
      const checked = checkPhone(value, region);
      if ('phone' in checked) found.phone = checked.phone;
      else unusable.phone ??= checked.reason;
    } else if (!found[field]) {
      found[field] = value;
    }
  }

  // The unlabelled shapes fill what the labels left open.
  const bare = unlabelledContacts(lines);
  let bareName: string | null = null;
  for (const { address: raw, name } of bare.emails) {
    if (found.email) break;
    const address = leadAddress(raw, notTheLead);
    if (address === null) continue;
    if (isRelayAddress(address)) {
      relay ??= { address, name };
    } else {
      found.email = address;
      bareName = name;
    }
  }
  if (!found.phone) {
    for (const raw of bare.phones) {
      const checked = checkPhone(raw, region);
      if ('phone' in checked) {
        found.phone = checked.phone;
        break;
      }
    }
  }
  const fromSubject = subjectLead(email.subject);
  // A sender at a portal's relay is the person, through the portal (Zillow's "Jordan Avery <…@convo.zillow.com>").
  const relaySender = [...email.senders, ...forwarded].find((s) => isRelayAddress(s.address.toLowerCase()));
  if (relaySender) relay ??= { address: relaySender.address.toLowerCase(), name: relaySender.name || null };

  const dropped: DroppedField[] = [];
  if (unusable.email && !found.email) dropped.push({ field: 'email', reason: unusable.email });
  if (unusable.phone && !found.phone) dropped.push({ field: 'phone', reason: unusable.phone });

  let first = found.firstName?.trim() || null;
  let last = found.lastName?.trim() || null;
  const name = found.name ?? bare.says?.name ?? fromSubject?.name ?? bareName ?? relay?.name ?? null;
  if (!first && name) {
    const split = splitName(name);
    first = split?.first ?? null;
    last = last ?? split?.last ?? null;
  }
  let message = found.message ? clip(found.message) : bare.says?.message ? clip(bare.says.message) : null;
  let address = found.email ?? relay?.address ?? null;
  const property = propertyOf(found.property ?? fromSubject?.property ?? null, found.postalCode ?? null);

  if (!first && !address && !found.phone) {
    // Last resort: the person who wrote the email is the lead (a prospect writing in directly). A
    // no-reply or portal address is nobody: an email naming no one else names no lead.
    const sender = [...email.senders.slice(0, -1), ...forwarded, ...email.senders.slice(-1)]
      .map((s) => {
        // Only a sender with a usable address: a malformed one (a MIME parser hands on what the
        // header said) would make routing refuse the whole message (found by fuzzing).
        const candidate = firstEmailAddress(s.address);
        const checked = candidate ? leadAddress(candidate, notTheLead) : null;
        return checked ? { name: s.name, email: checked } : null;
      })
      .find((s) => s !== null);
    if (!sender) return { lead: null, dropped, portal };
    address = sender.email;
    const split = splitName(sender.name);
    first = split?.first ?? null;
    last = split?.last ?? null;
    message = message ?? clip([email.subject ?? '', text].filter(Boolean).join('\n\n'));
  }

  if (!first && !address && !found.phone) return { lead: null, dropped, portal };
  return {
    lead: {
      // A lead with contact details but no name is still a lead: better "Unknown" than lost.
      firstName: (first ?? 'Unknown').slice(0, 100),
      lastName: last ? last.slice(0, 100) : null,
      email: address,
      phone: found.phone ?? null,
      message,
      ...property,
    },
    dropped,
    portal,
  };
}

/** The lead in the email, or null when it names nobody (no name, no email, no phone anywhere). */
export function extractLead(email: EmailForExtraction): ExtractedLead | null {
  return readLead(email).lead;
}
