// Phone numbers in one form: E.164 ("+15125550143"), parsed by libphonenumber-js (Google's
// libphonenumber metadata) with the brokerage's DEFAULT_PHONE_REGION for numbers written without a
// country. One form means one person has one number: search, repeat matching and the SMS provider
// (which refuses a number without its country) all see the same string.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { badInput } from './errors.js';

/** An ISO 3166 alpha-2 code libphonenumber-js knows ("US", "GB"). */
export type PhoneRegion = CountryCode;

/** The region used when DEFAULT_PHONE_REGION is not set. */
export const DEFAULT_PHONE_REGION: PhoneRegion = 'US';

/** The region for a code ("us" → "US"), or null when libphonenumber-js does not know it. */
export function phoneRegion(code: string): PhoneRegion | null {
  const upper = code.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : null;
}

/**
 * Longest text handed to the library. A written number with its spacing, brackets and an extension
 * fits in far less; the bound keeps every call cheap whatever a form or an email sends.
 */
const MAX_PHONE_TEXT = 64;

/**
 * The number in E.164, or null when the text is not a possible phone number. "Possible" is the
 * length rule of the number's country (libphonenumber's isPossible), not its stricter isValid:
 * isValid refuses ranges its metadata does not list yet, and a lead's real number refused is a lost
 * lead. A "+" means the country is written; otherwise `region` supplies it.
 */
export function toE164(raw: string, region: PhoneRegion): string | null {
  const text = raw.trim();
  if (text === '' || text.length > MAX_PHONE_TEXT) return null;
  // Letters are words ("call me"), not a vanity number: the library would read "1-800-FLOWERS".
  if (/[A-Za-z]/.test(text.replace(/(?:ext\.?|x|#)\s*\d{1,6}\s*$/i, ''))) return null;
  const parsed = parsePhoneNumberFromString(text, region);
  return parsed?.isPossible() ? parsed.number : null;
}

/** toE164, or BAD_USER_INPUT on `field` naming what was wrong. */
export function normalizePhone(field: string, raw: string, region: PhoneRegion): string {
  const e164 = toE164(raw, region);
  if (e164 === null) {
    throw badInput(field, `"${raw.slice(0, MAX_PHONE_TEXT)}" is not a valid phone number (numbers without a "+" country code are read as ${region})`);
  }
  return e164;
}
