// The unlabelled shapes portal notifications use, read in one pass each (anyone can mail a
// forwarding address: nothing here may take more than linear time, and no regular expression here
// runs on unbounded text):
//   - "Jordan Avery says:" followed by the person's message (Zillow, Trulia);
//   - an email address or a phone number alone on a line ("bare"), and the person's name on the line
//     before the address or on the same line (Zillow's contact block, listing notifications whose
//     table cells carry no labels);
//   - subjects such as "Jordan Avery is requesting information about 4812 Lakeview Dr, Austin, TX 78731".
import { asciiLower, isAsciiLetter, isDigit } from './chars.js';
import { findEmailAddress, phoneCandidate } from './contact-scan.js';

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

const SAYS = ' says:';

/** The contacts a portal email gives without labels. */
export function unlabelledContacts(lines: readonly string[]): UnlabelledContacts {
  const found: UnlabelledContacts = { says: null, emails: [], phones: [] };
  let previous: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    if (line.length > MAX_SHAPE_LINE) {
      previous = null;
      continue;
    }
    if (!found.says && asciiLower(line).endsWith(SAYS)) {
      const name = personName(line.slice(0, -SAYS.length));
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
        }
        found.says = { name, message: message.join('\n') };
        previous = null;
        continue;
      }
    }
    const at = findEmailAddress(line);
    if (at) {
      const rest = (line.slice(0, at.start) + line.slice(at.end)).replace(/[<>()[\]:,;|]/g, ' ').trim();
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

/** The person and the property a portal's subject names, if it is in one of the shapes above. */
export function subjectLead(subject: string | null): { name: string; property: string } | null {
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
  for (const verb of SUBJECT_VERBS) {
    const at = lower.indexOf(verb);
    if (at <= 0) continue;
    const name = personName(text.slice(0, at));
    let end = text.length;
    while (end > at && (text.charCodeAt(end - 1) === 0x2e || text.charCodeAt(end - 1) === 0x21)) end--;
    const property = text.slice(at + verb.length, end).trim();
    if (name && property) return { name, property };
  }
  return null;
}
