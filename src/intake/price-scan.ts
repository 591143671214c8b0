// A listing's price as portals print it ("$615,000", "615000", "$1,150,000.00", "$450K", "$1.2M",
// "$1,995/mo"), read by hand in one pass over at most MAX_PRICE_TEXT characters (anyone can mail a
// forwarding address: no regular expression here). The result is a whole number of the currency's
// units, or null when the text is not one price: a range ("$400K - $500K"), a figure with words
// after it, or more than MAX_PRICE. A rental's "/mo" is allowed and the monthly figure kept: that is
// the price its listing gives.
import { MAX_PRICE } from '../domain/property.js';
import { asciiLower, isAsciiLetter, isDigit, skipSpaces } from './chars.js';

/** A price is short; a longer value is prose and is not read. */
const MAX_PRICE_TEXT = 40;
/** Currency marks before the figure. */
const CURRENCIES = ['usd', 'us$', 'cad', 'ca$', '$', '€', '£'];
/** What may follow a rent's figure. */
const PERIODS = ['/mo', '/mo.', '/month', 'per month', 'a month', 'monthly', 'mo', '/ month'];
/** More digits than this before the point cannot be a price at or under MAX_PRICE. */
const MAX_WHOLE_DIGITS = 10;

/** The price in `raw`, or null (see the file's comment). */
export function priceOf(raw: string): number | null {
  const text = raw.trim();
  if (text === '' || text.length > MAX_PRICE_TEXT) return null;
  const lower = asciiLower(text);
  let i = 0;
  const currency = CURRENCIES.find((c) => lower.startsWith(c));
  if (currency) i = skipSpaces(text, currency.length);
  let whole = 0;
  let wholeDigits = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      if (++wholeDigits > MAX_WHOLE_DIGITS) return null;
      whole = whole * 10 + (c - 0x30);
      i++;
    } else if (c === 0x2c && wholeDigits > 0 && isGroup(text, i + 1)) {
      // A thousands separator: "," and exactly three digits.
      i++;
    } else {
      break;
    }
  }
  if (wholeDigits === 0) return null;
  let fraction = 0;
  if (text.charCodeAt(i) === 0x2e && isDigit(text.charCodeAt(i + 1))) {
    let scale = 1;
    for (i++; i < text.length && isDigit(text.charCodeAt(i)); i++) {
      scale /= 10;
      fraction += (text.charCodeAt(i) - 0x30) * scale;
    }
  }
  let multiplier = 1;
  const unit = text.charCodeAt(i) | 0x20;
  if ((unit === 0x6b || unit === 0x6d) && !isAsciiLetter(text.charCodeAt(i + 1))) {
    // "$450K", "$1.2M" (a letter after it would make a word: "615000 more").
    multiplier = unit === 0x6b ? 1_000 : 1_000_000;
    i++;
  }
  const rest = lower.slice(i).trim();
  if (rest !== '' && !PERIODS.includes(rest)) return null;
  const price = Math.round((whole + fraction) * multiplier);
  return price >= 1 && price <= MAX_PRICE ? price : null;
}

/** Three digits at `at`, and no fourth after them. */
function isGroup(text: string, at: number): boolean {
  return isDigit(text.charCodeAt(at)) && isDigit(text.charCodeAt(at + 1)) && isDigit(text.charCodeAt(at + 2))
    && !isDigit(text.charCodeAt(at + 3));
}
