// The HTML of a forwarded lead email, read in linear time: its text (good enough for "Label: value"
// lines) and its two-cell table rows (<tr><td>Name</td><td>…</td></tr>). Hand-written scanners over
// indexOf, no backtracking: the lazy regular expressions they replace (/<tr\b[\s\S]*?<\/tr\s*>/,
// /<[^>]*>/ and kin) rescanned the rest of the document from every unclosed "<tr" or "<", so 400 KB
// of empty rows blocked the server for 13 s (issue 12). Each search here either finds what it looks
// for, and the scan moves past it, or finds nothing, and is not tried again.
import { asciiLower, isAsciiLetter, isDigit, isSpace, isWordChar, skipSpaces } from './chars.js';

/** Elements removed with their content. */
const RAW_TEXT = new Set(['script', 'style', 'head']);
/** End tags that end a line of text. */
const LINE_ENDS = new Set(['p', 'div', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table']);
/** End tags that separate a table's cells. */
const CELL_ENDS = new Set(['td', 'th']);

// The named entities lead emails actually use (names with accents, typographic quotes and dashes).
const ENTITIES: ReadonlyMap<string, string> = new Map(Object.entries({
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', rsquo: '\u2019', lsquo: '\u2018', ldquo: '\u201c',
  rdquo: '\u201d', ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', aacute: 'á', eacute: 'é', iacute: 'í',
  oacute: 'ó', uacute: 'ú', ntilde: 'ñ', ccedil: 'ç', auml: 'ä', ouml: 'ö', uuml: 'ü', egrave: 'è', agrave: 'à',
  Aacute: 'Á', Eacute: 'É', Ntilde: 'Ñ', szlig: 'ß',
}));

// Every quantifier is bounded, so an "&" followed by a long run of letters costs a few steps, not the run.
const ENTITY = /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{1,10});/g;

function decodeEntities(s: string): string {
  return s.replace(ENTITY, (whole, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES.get(e) ?? ENTITIES.get(e.toLowerCase()) ?? whole;
  });
}

/** Runs of spaces become one space; no line starts or ends with one. */
function tidySpaces(s: string): string {
  // After the first replace no run is longer than one space, so the second has nothing to backtrack over.
  return s.replace(/[ \t\u00a0]+/g, ' ').replace(/ ?\n ?/g, '\n');
}

/** The tag name (lower-case letters and digits) at `at` in the lower-cased HTML, and where it ends. */
function nameAt(lower: string, at: number): { name: string; end: number } {
  let end = at;
  while (end < lower.length && (isAsciiLetter(lower.charCodeAt(end)) || isDigit(lower.charCodeAt(end)))) end++;
  return { name: lower.slice(at, end), end };
}

/** After `<br`: a space, "/" or ">" (so `<br>`, `<br/>`, `<br class="x">`, not `<brand>` or `<br<`). */
function isBreakEnd(c: number): boolean {
  return isSpace(c) || c === 0x2f || c === 0x3e;
}

/** The end tag `</name\s*>` at or after `from` in the lower-cased HTML: where it starts and ends, or null. */
function findEndTag(lower: string, name: string, from: number): { start: number; end: number } | null {
  const opener = `</${name}`;
  for (let at = lower.indexOf(opener, from); at >= 0; at = lower.indexOf(opener, at + 1)) {
    const gt = skipSpaces(lower, at + opener.length);
    if (lower.charCodeAt(gt) === 0x3e) return { start: at, end: gt + 1 };
  }
  return null;
}

/** The start of the first `<name` at or after `from` that is followed by a non-word character (`<name\b`), or -1. */
function findStartTag(lower: string, name: string, from: number): number {
  const opener = `<${name}`;
  for (let at = lower.indexOf(opener, from); at >= 0; at = lower.indexOf(opener, at + 1)) {
    if (!isWordChar(lower.charCodeAt(at + opener.length))) return at;
  }
  return -1;
}

/**
 * HTML to text good enough for label lines: script, style and head go with their content, line
 * and table-cell ends become line breaks and spaces, other tags go, entities decode.
 */
export function htmlToText(html: string): string {
  const lower = asciiLower(html);
  const out: string[] = [];
  /** Raw-text elements with no end tag after some point: they have none later either. */
  const unclosed = new Set<string>();
  let textFrom = 0;
  for (let lt = html.indexOf('<'); lt >= 0; lt = html.indexOf('<', textFrom)) {
    // A tag runs to the first ">". When none follows, no later "<" has one either: the rest is text.
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    out.push(html.slice(textFrom, lt));
    textFrom = gt + 1;
    const closing = lower.charCodeAt(lt + 1) === 0x2f;
    const { name, end } = nameAt(lower, closing ? lt + 2 : lt + 1);
    if (!closing && RAW_TEXT.has(name) && !unclosed.has(name) && !isWordChar(lower.charCodeAt(end))) {
      const endTag = findEndTag(lower, name, gt + 1);
      if (endTag) textFrom = endTag.end;
      else unclosed.add(name);
    } else if (!closing && name === 'br' && isBreakEnd(lower.charCodeAt(end))) {
      out.push('\n');
    } else if (closing && LINE_ENDS.has(name)) {
      out.push('\n');
    } else if (closing && CELL_ENDS.has(name)) {
      out.push(' ');
    }
  }
  out.push(html.slice(textFrom));
  return tidySpaces(decodeEntities(out.join('')));
}

/** The text of a table cell on one line. */
function cellText(html: string): string {
  return htmlToText(html).replace(/\s+/g, ' ').trim();
}

/**
 * The cells of one row (its HTML between `<tr` and `</tr>`, and that lower-cased) when it has
 * exactly two: `<td>`/`<th>` up to the first end tag of the same kind. Null for any other count.
 */
function twoCells(row: string, lower: string): [string, string] | null {
  const cells: string[] = [];
  // The next start tag of each kind, or -1 once that kind can match no more (none left, or one
  // with no end tag after it: a later one has none either). Each is searched for only when the
  // scan has moved past it, so the row is read once for each kind.
  const next = { td: findStartTag(lower, 'td', 0), th: findStartTag(lower, 'th', 0) };
  for (let from = 0; ;) {
    if (next.td >= 0 && next.td < from) next.td = findStartTag(lower, 'td', from);
    if (next.th >= 0 && next.th < from) next.th = findStartTag(lower, 'th', from);
    const kind = next.td < 0 ? 'th' : next.th < 0 || next.td < next.th ? 'td' : 'th';
    const at = next[kind];
    if (at < 0) break;
    const gt = lower.indexOf('>', at + 3);
    if (gt < 0) break;
    const endTag = findEndTag(lower, kind, gt + 1);
    if (!endTag) {
      next[kind] = -1;
      continue;
    }
    cells.push(cellText(row.slice(gt + 1, endTag.start)));
    // A third cell makes it no label/value row: the rest of the row need not be read.
    if (cells.length > 2) return null;
    from = endTag.end;
  }
  const [label, value] = cells;
  return cells.length === 2 && label !== undefined && value !== undefined ? [label, value] : null;
}

/**
 * The text of every table row with exactly two cells, in order: `<tr…>` up to the first `</tr>`
 * after it. Label and value are each on one line, trimmed.
 */
export function twoCellRows(html: string): [string, string][] {
  const lower = asciiLower(html);
  const rows: [string, string][] = [];
  for (let from = 0; ;) {
    const start = findStartTag(lower, 'tr', from);
    if (start < 0) break;
    const endTag = findEndTag(lower, 'tr', start + 3);
    // No end tag after this row's start: none after a later one either.
    if (!endTag) break;
    // The row's own copy bounds every search inside it: an unclosed cell looks no further than its row.
    const cells = twoCells(html.slice(start + 3, endTag.start), lower.slice(start + 3, endTag.start));
    if (cells) rows.push(cells);
    from = endTag.end;
  }
  return rows;
}

/** The string with every `<…>` removed (a "<" with no ">" after it stays). */
export function stripTags(s: string): string {
  const out: string[] = [];
  let from = 0;
  for (let lt = s.indexOf('<'); lt >= 0; lt = s.indexOf('<', from)) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) break;
    out.push(s.slice(from, lt));
    from = gt + 1;
  }
  out.push(s.slice(from));
  return out.join('');
}
