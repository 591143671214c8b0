// Character classes for the intake path's hand-written scanners. Anyone can mail a forwarding
// address, so nothing there may take more than linear time in what it is given: the scanners test
// one UTF-16 code unit at a time with these predicates and never backtrack, where a regular
// expression such as /[\d(][\d\s().-]{5,}\d/ took quadratic time on a long run of "(" (issue 12).

/** JavaScript's `\s`: ASCII whitespace, no-break spaces, the Unicode space separators, line and paragraph separators, BOM. */
export function isSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isAsciiLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** `\w`: ASCII letters, digits and "_" (what `\b` separates from everything else). */
export function isWordChar(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c) || c === 0x5f;
}

/**
 * The string with only A-Z lower-cased, so every index still points at the same character
 * (String#toLowerCase can change the length: "İ" becomes two code units). Case-insensitive
 * searches run on this copy with indexOf.
 */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** Index of the first character at or after `from` that is not `\s`. */
export function skipSpaces(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}
