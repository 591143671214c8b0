// A lead's own words (first name, name, message) inside the server's messages. Anyone can submit a
// lead, so these fields must never pose as the server: a newline in a first name must not start a
// line of its own in an SMS ("URGENT: accept here <link>"), and a message line "Accept: <url>" must
// not become a line the email renderer turns into a button. The rules, for every channel:
// - a name or a source is shown on one line, after the server's label ("Lead: ", "Name: ");
// - a message is quoted: in a text email every line starts with "> " under "Message from the
//   lead:", in an SMS it is one line in quotes, cut short, after the server's own lines.

/**
 * What can break or reorder a line: C0 and C1 controls (newline, CR, tab, VT, FF, NEL, ESC…), DEL,
 * the Unicode line and paragraph separators, and the bidirectional controls (which can make a line
 * read backwards, so that quoted text seems to end where it does not).
 */
const LINE_BREAKERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The line ends a text may contain (split on, for quoting). */
const LINE_END = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

/** The first `max` characters of `text`, with "…" when cut; never splits a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end).trimEnd()}…`;
}

/**
 * Lead text as one line: every control character and line break becomes a space, runs of spaces
 * become one, and the result is cut to `max` characters ("…" marks the cut).
 */
export function oneLine(text: string, max = Number.POSITIVE_INFINITY): string {
  return cut(text.replace(LINE_BREAKERS, ' ').replace(/\s+/g, ' ').trim(), max);
}

/** The label above a quoted message in a text email; the HTML renderer draws the quote's box for it. */
export const QUOTE_LABEL = 'Message from the lead:';
/** How a quoted line starts: a line that does not start so is the server's. */
export const QUOTE_PREFIX = '>';

/**
 * A lead's message as the lines of a text email: the label, then each of its lines after "> ", so no
 * line of it can read as one of the server's ("Accept: …"). Control characters within a line become
 * spaces; an empty line is a bare ">".
 */
export function quotedMessage(text: string): string[] {
  return [QUOTE_LABEL, ...messageLines(text).map((line) => (line === '' ? QUOTE_PREFIX : `${QUOTE_PREFIX} ${line}`))];
}

/**
 * A lead's message as its lines, for a quote drawn by a page: split at every kind of line end, with
 * the control characters within a line made spaces.
 */
export function messageLines(text: string): string[] {
  return text.split(LINE_END).map((line) => line.replace(LINE_BREAKERS, ' ').trimEnd());
}

/** A lead's message inside an SMS: one line, in quotes, at most `max` characters of it. */
export function quotedInline(text: string, max: number): string {
  return `"${oneLine(text, max)}"`;
}
