// Finds email addresses and phone numbers in untrusted text in one pass, without backtracking.
// Each function returns what its former regular expression matched (named beside it), but the
// regular expressions took quadratic time on long runs of the characters they accept ("Email:
// aaaa…" blocked the server for 8 s at 80 KB, "Phone: ((((…" 12 s, a 60 KB To header 6 s).
import { isAsciiLetter, isDigit, isSpace } from './chars.js';

/** [A-Za-z0-9._%+-]: the local part of an address. */
function isLocalChar(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c) || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d;
}

/** [A-Za-z0-9-]: one label of a domain. */
function isLabelChar(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c) || c === 0x2d;
}

const DOT = 0x2e;

/**
 * The first email address in `text` with a dotted domain, as /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/
 * would find it: start and end (exclusive), or null. Linear: each "@" looks left over its local part
 * and right over its domain, and neither run can reach past the next or the previous "@".
 */
export function findEmailAddress(text: string): { start: number; end: number } | null {
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && isLocalChar(text.charCodeAt(start - 1))) start--;
    if (start === at) continue;
    let labels = 0;
    let end = at + 1;
    for (let i = at + 1; ;) {
      const labelStart = i;
      while (i < text.length && isLabelChar(text.charCodeAt(i))) i++;
      if (i === labelStart) break;
      labels++;
      end = i;
      if (text.charCodeAt(i) !== DOT) break;
      i++;
    }
    if (labels >= 2) return { start, end };
  }
  return null;
}

/** The first email address in `text` (see findEmailAddress), or null. */
export function firstEmailAddress(text: string): string | null {
  const found = findEmailAddress(text);
  return found ? text.slice(found.start, found.end) : null;
}

/**
 * Every address-like token in a header line, as /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+/g would match them
 * (no dotted domain required: the caller compares each with the forwarding address pattern).
 */
export function addressTokens(text: string): string[] {
  const tokens: string[] = [];
  // A match ends where the next may begin: its local part cannot reach back into the previous one.
  let floor = 0;
  for (let at = text.indexOf('@'); at >= 0;) {
    let start = at;
    while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && (isLabelChar(text.charCodeAt(end)) || text.charCodeAt(end) === DOT)) end++;
    if (start < at && end > at + 1) {
      tokens.push(text.slice(start, end));
      floor = end;
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
  return tokens;
}

/** [\d\s().-]: what may sit between the digits of a written phone number. */
function isPhoneChar(c: number): boolean {
  return isDigit(c) || isSpace(c) || c === 0x28 || c === 0x29 || c === DOT || c === 0x2d;
}

/**
 * The first phone-number-like run in `text`, as /\+?[\d(][\d\s().-]{5,}\d/ would find it: a digit
 * or "(" (after an optional "+"), at least five more phone characters, ending at the run's last
 * digit. Within one run of phone characters the first digit or "(" is the only start worth trying:
 * a later start only makes the match shorter. So one pass over the runs decides.
 */
export function phoneCandidate(text: string): string | null {
  let i = 0;
  while (i < text.length) {
    if (!isPhoneChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const runStart = i;
    let first = -1;
    let lastDigit = -1;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (!isPhoneChar(c)) break;
      if (first < 0 && (isDigit(c) || c === 0x28)) first = i;
      if (isDigit(c)) lastDigit = i;
    }
    if (first >= 0 && lastDigit - first >= 6) {
      const plus = first === runStart && runStart > 0 && text.charCodeAt(runStart - 1) === 0x2b;
      return text.slice(plus ? first - 1 : first, lastDigit + 1);
    }
  }
  return null;
}
