// Pulls a lead (name, email, phone, message) out of a forwarded lead email: pure, no I/O. Portals and
// website builders send leads in a few common shapes, all handled here:
//   - labelled lines: "Name: …", "First Name: …", "Last Name: …", "Email: …", "Phone: …",
//     "Message: …" / "Comments: …" (the message may run on over the following lines);
//   - HTML tables: <tr><td>Name</td><td>…</td></tr>;
//   - neither: the sender (Reply-To, then the forwarded "From:", then From) is the lead, and the
//     email's text is the message.
import { normalizePhone } from '../domain/validation.js';

export interface EmailForExtraction {
  subject: string | null;
  text: string | null;
  html: string | null;
  /** Reply-To first, then From: the people who sent it, as the MIME parser read them. */
  senders: { name: string; address: string }[];
  /** Addresses that are never the lead: the agent's own and the forwarding address. */
  notTheLead: string[];
}

export interface ExtractedLead {
  firstName: string;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  message: string | null;
}

type Field = 'name' | 'firstName' | 'lastName' | 'email' | 'phone' | 'message';

/** Labels as portals write them, lower-cased with everything but letters removed. */
const LABELS: Record<string, Field> = {
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
};

const EMAIL_IN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/;
const LABEL_LINE = /^\s*([A-Za-z][A-Za-z /._-]{0,30}?)\s*:\s*(.*)$/;
const MAX_MESSAGE = 5000;

// The named entities lead emails actually use (names with accents, typographic quotes and dashes).
const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', rsquo: '\u2019', lsquo: '\u2018', ldquo: '\u201c',
  rdquo: '\u201d', ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', aacute: 'á', eacute: 'é', iacute: 'í',
  oacute: 'ó', uacute: 'ú', ntilde: 'ñ', ccedil: 'ç', auml: 'ä', ouml: 'ö', uuml: 'ü', egrave: 'è', agrave: 'à',
  Aacute: 'Á', Eacute: 'É', Ntilde: 'Ñ', szlig: 'ß',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[e] ?? ENTITIES[e.toLowerCase()] ?? whole;
  });
}

/** HTML to text good enough for label lines: block ends become line breaks, tags go, entities decode. */
export function htmlToText(html: string): string {
  return decodeEntities(html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h[1-6]|table)\s*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ''))
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n');
}

function fieldOf(label: string): Field | undefined {
  return LABELS[label.toLowerCase().replace(/[^a-z]/g, '')];
}

/** Label/value pairs from HTML table rows with exactly a label cell and a value cell. */
function tablePairs(html: string): [Field, string][] {
  const pairs: [Field, string][] = [];
  for (const row of html.match(/<tr\b[\s\S]*?<\/tr\s*>/gi) ?? []) {
    const cells = [...row.matchAll(/<t([dh])\b[^>]*>([\s\S]*?)<\/t\1\s*>/gi)]
      .map((m) => htmlToText(m[2] ?? '').replace(/\s+/g, ' ').trim());
    if (cells.length !== 2) continue;
    const [label, value] = cells;
    const field = fieldOf((label ?? '').replace(/:$/, ''));
    if (field && value) pairs.push([field, value]);
  }
  return pairs;
}

/** Label/value pairs from "Label: value" lines; a message runs on until a blank line or a new label. */
function linePairs(text: string): [Field, string][] {
  const pairs: [Field, string][] = [];
  // Forwarded mail quotes with "> ": the labels are still there under the quoting.
  const lines = text.split(/\r?\n/).map((l) => l.replace(/^(\s*>)+\s?/, ''));
  for (let i = 0; i < lines.length; i++) {
    const m = LABEL_LINE.exec(lines[i] ?? '');
    const field = m?.[1] ? fieldOf(m[1]) : undefined;
    if (!m || !field) continue;
    let value = (m[2] ?? '').trim();
    if (field === 'message') {
      const more: string[] = [];
      for (let j = i + 1; j < lines.length; j++) {
        const next = lines[j] ?? '';
        const label = LABEL_LINE.exec(next);
        if (next.trim() === '' && (value !== '' || more.length > 0)) break;
        if (label?.[1] && fieldOf(label[1])) break;
        if (next.trim() !== '') more.push(next.trim());
        i = j;
      }
      value = [value, ...more].filter(Boolean).join('\n');
    }
    if (value) pairs.push([field, value]);
  }
  return pairs;
}

function cleanPhone(raw: string): string | null {
  const candidate = /\+?[\d(][\d\s().-]{5,}\d/.exec(raw)?.[0];
  if (!candidate) return null;
  try {
    return normalizePhone('phone', candidate);
  } catch {
    return null;
  }
}

/** "Dana Reyes" → Dana / Reyes; "Reyes, Dana" → Dana / Reyes. */
function splitName(raw: string): { first: string; last: string | null } | null {
  const name = raw.replace(/<[^>]*>/g, '').replace(/["']/g, '').replace(/\s+/g, ' ').trim();
  if (!name || EMAIL_IN.test(name)) return null;
  const comma = /^([^,]+),\s*(.+)$/.exec(name);
  if (comma?.[1] && comma[2]) return { first: comma[2], last: comma[1] };
  const [first, ...rest] = name.split(' ');
  return first ? { first, last: rest.length ? rest.join(' ') : null } : null;
}

function clip(text: string): string | null {
  const t = text.trim();
  return t ? t.slice(0, MAX_MESSAGE) : null;
}

/** The lead in the email, or null when it names nobody (no name, no email, no phone anywhere). */
export function extractLead(email: EmailForExtraction): ExtractedLead | null {
  const text = email.text?.trim() ? email.text : email.html ? htmlToText(email.html) : '';
  const pairs = [...(email.html ? tablePairs(email.html) : []), ...linePairs(text)];
  const notTheLead = new Set(email.notTheLead.map((a) => a.toLowerCase()));
  const found: Partial<Record<Field, string>> = {};
  for (const [field, value] of pairs) {
    if (field === 'email') {
      const address = EMAIL_IN.exec(value)?.[0]?.toLowerCase();
      if (address && !notTheLead.has(address) && !found.email) found.email = address;
    } else if (field === 'phone') {
      const phone = cleanPhone(value);
      if (phone && !found.phone) found.phone = phone;
    } else if (!found[field]) {
      found[field] = value;
    }
  }

  let first = found.firstName?.trim() || null;
  let last = found.lastName?.trim() || null;
  if (!first && found.name) {
    const split = splitName(found.name);
    first = split?.first ?? null;
    last = last ?? split?.last ?? null;
  }
  let message = found.message ? clip(found.message) : null;
  let address = found.email ?? null;

  if (!first && !address && !found.phone) {
    // Last resort: the person who wrote the email is the lead (a prospect writing in directly).
    const forwardedFrom = [...text.matchAll(/^\s*(?:>\s*)*From:\s*(.+)$/gim)].map((m) => {
      const line = m[1] ?? '';
      const addr = EMAIL_IN.exec(line)?.[0] ?? '';
      return { name: line.replace(/<[^>]*>/, '').replace(EMAIL_IN, '').trim(), address: addr };
    });
    const sender = [...email.senders.slice(0, -1), ...forwardedFrom, ...email.senders.slice(-1)]
      // Only a sender whose address is an email address: a malformed one (a MIME parser hands on
      // what the header said) would make routing refuse the whole message (found by fuzzing).
      .find((s) => EMAIL_IN.test(s.address) && !notTheLead.has(s.address.toLowerCase()));
    if (!sender) return null;
    address = (EMAIL_IN.exec(sender.address)?.[0] ?? sender.address).toLowerCase();
    const split = splitName(sender.name);
    first = split?.first ?? null;
    last = split?.last ?? null;
    message = message ?? clip([email.subject ?? '', text].filter(Boolean).join('\n\n'));
  }

  if (!first && !address && !found.phone) return null;
  return {
    // A lead with contact details but no name is still a lead: better "Unknown" than lost.
    firstName: (first ?? 'Unknown').slice(0, 100),
    lastName: last ? last.slice(0, 100) : null,
    email: address,
    phone: found.phone ?? null,
    message,
  };
}
