// The intake path's hand-written scanners find exactly what the regular expressions they replaced
// found (those took quadratic time on long runs, issue 12): each is compared with its regular
// expression on many short strings built from the characters that matter to it, where the regular
// expression is quick. htmlToText and the table rows are compared on well-formed tags; on a stray
// "<" the one-pass scanner and the old chain of replacements may differ, and neither is more right.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressTokens, findEmailAddress, phoneCandidate } from '../../src/intake/contact-scan.js';
import { htmlToText, stripTags, twoCellRows } from '../../src/intake/html-scan.js';

const RUNS = 3000;
const stringOf = (pieces: string[], maxLength = 40) =>
  fc.array(fc.constantFrom(...pieces), { maxLength }).map((p) => p.join(''));

/** The HTML-to-text chain of replacements the scanner replaced (quadratic on unclosed tags). */
function referenceHtmlToText(html: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', nbsp: ' ', eacute: 'é' };
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h[1-6]|table)\s*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
      }
      return entities[e] ?? whole;
    })
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n');
}

const TAGS = ['<td>', '</td>', '<th x>', '</th >', '<TD>', '<tr>', '</tr>', '<TR class="a">', '</TR>', '<br>', '<br/>', '<BR >',
  '</p>', '<p>', '<script>', '</script>', '<head>', '</head>', '<style>', '</STYLE>', '<header>', '<i>', '</i>', '<table>',
  '</table>', '</div>', '<trx>', '<tdx>'];
const TEXT = ['x', ' ', '\n', '\t', '\u00a0', '&amp;', '&#65;', '&#x41;', '&eacute;', '&', ';', 'a', ':', 'Name', '/'];

describe('the scanners find what their regular expressions found', () => {
  it('findEmailAddress: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+/', () => {
    const re = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/;
    fc.assert(fc.property(stringOf(['a', 'B', '1', '.', '@', '-', '_', ' ', '%', '+', '!', 'é']), (s) => {
      const m = re.exec(s);
      const found = findEmailAddress(s);
      expect(found && { at: found.start, text: s.slice(found.start, found.end) }).toEqual(m && { at: m.index, text: m[0] });
    }), { numRuns: RUNS });
  });

  it('addressTokens: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+/g', () => {
    fc.assert(fc.property(stringOf(['a', 'B', '1', '.', '@', '-', '_', ' ', '%', '+', '!', ',', '<', '>']), (s) => {
      expect(addressTokens(s)).toEqual(s.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+/g) ?? []);
    }), { numRuns: RUNS });
  });

  it('phoneCandidate: /\\+?[\\d(][\\d\\s().-]{5,}\\d/', () => {
    fc.assert(fc.property(stringOf(['1', '2', '(', ')', ' ', '.', '-', '+', 'x', '\n', '\u00a0', '\u2028'], 30), (s) => {
      expect(phoneCandidate(s)).toBe(/\+?[\d(][\d\s().-]{5,}\d/.exec(s)?.[0] ?? null);
    }), { numRuns: RUNS });
  });

  it('stripTags: /<[^>]*>/g', () => {
    fc.assert(fc.property(stringOf(['<', '>', 'a', ' ', '/']), (s) => {
      expect(stripTags(s)).toBe(s.replace(/<[^>]*>/g, ''));
    }), { numRuns: RUNS });
  });

  it('htmlToText: the old chain of replacements, on well-formed tags', () => {
    fc.assert(fc.property(stringOf([...TAGS, ...TEXT]), (s) => {
      expect(htmlToText(s)).toBe(referenceHtmlToText(s));
    }), { numRuns: RUNS });
  });

  it('twoCellRows: /<tr\\b[\\s\\S]*?<\\/tr\\s*>/gi rows, /<t([dh])\\b[^>]*>([\\s\\S]*?)<\\/t\\1\\s*>/gi cells, rows of two', () => {
    fc.assert(fc.property(stringOf([...TAGS, ...TEXT]), (s) => {
      const rows = (s.match(/<tr\b[\s\S]*?<\/tr\s*>/gi) ?? [])
        .map((row) => [...row.matchAll(/<t([dh])\b[^>]*>([\s\S]*?)<\/t\1\s*>/gi)]
          .map((m) => referenceHtmlToText(m[2] ?? '').replace(/\s+/g, ' ').trim()))
        .filter((cells) => cells.length === 2);
      expect(twoCellRows(s)).toEqual(rows);
    }), { numRuns: RUNS });
  });
});

describe('what the scanners do differently, on purpose', () => {
  it('a <br> with attributes is a line break too', () => {
    expect(htmlToText('Name: Ann<br class="x">Phone: 5125550100')).toBe('Name: Ann\nPhone: 5125550100');
  });

  it('an entity is decoded only with at most 10 letters or 7 digits (so "&" before a long run costs nothing)', () => {
    expect(htmlToText('&eacute; &#65; &#x41; &abcdefghijklmnop;')).toBe('é A A &abcdefghijklmnop;');
  });
});
