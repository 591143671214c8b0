// Input rules shared by every use case. Each returns the normalised value or throws BAD_USER_INPUT
// naming the field, so that nothing is written on bad input.
import { badInput } from './errors.js';

/**
 * Why text holding U+0000 is refused. A NUL is never meant in a name, an address or a message, and
 * PostgreSQL's text cannot hold one (SQLite's can): refused here, the same on either store, rather
 * than failing as an internal error on one of them.
 */
export const NUL_REFUSED = 'must not contain the NUL character (U+0000)';

function refuseNul(field: string, raw: string): void {
  if (raw.includes('\u0000')) throw badInput(field, NUL_REFUSED);
}

// Pragmatic address check: one @, a dotted domain, no spaces. Full RFC 5322 is not worth its cost.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function normalizeEmail(field: string, raw: string): string {
  refuseNul(field, raw);
  const v = raw.trim().toLowerCase();
  if (v.length > 254 || !EMAIL.test(v)) throw badInput(field, `"${raw}" is not a valid email address`);
  return v;
}

export function requireText(field: string, raw: string, max = 200): string {
  refuseNul(field, raw);
  const v = raw.trim();
  if (v === '') throw badInput(field, 'must not be empty');
  if (v.length > max) throw badInput(field, `must be at most ${max} characters`);
  return v;
}

export function optionalText(field: string, raw: string | null | undefined, max = 5000): string | null {
  if (raw === null || raw === undefined) return null;
  refuseNul(field, raw);
  const v = raw.trim();
  if (v === '') return null;
  if (v.length > max) throw badInput(field, `must be at most ${max} characters`);
  return v;
}

export function intInRange(field: string, value: number, min: number, max: number, unit = ''): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badInput(field, `must be a whole number from ${min} to ${max}${unit}, got ${value}`);
  }
  return value;
}

export function numberInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw badInput(field, `must be from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Forwarding-address handles: lower-case letters, digits, dots, dashes, underscores. */
export function normalizeHandle(field: string, raw: string): string {
  const v = raw.trim().toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/.test(v) || v.includes('..')) {
    throw badInput(field, `"${raw}" is not a valid handle (letters, digits, ".", "-", "_"; 1 to 64 characters)`);
  }
  return v;
}

/** A handle derived from a person's name: "Ana María Díaz" → "ana.maria.diaz". */
export function handleFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.+|\.+$/g, '')
    .slice(0, 48);
  return base === '' ? 'user' : base;
}

/** Parses a GraphQL ID that must be one of our integer ids; anything else cannot exist. */
export function parseId(raw: string | number): number | null {
  const s = String(raw);
  if (!/^[1-9]\d{0,15}$/.test(s)) return null;
  return Number(s);
}

/** Removes duplicates while keeping order. */
export const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/**
 * `wanted` (ids without duplicates: see unique) when `rows`, the rows that exist among them, hold
 * every one; otherwise BAD_USER_INPUT on `field` listing the unknown ones.
 */
export function requireExisting(field: string, what: string, wanted: readonly number[],
  rows: readonly { id: number }[]): readonly number[] {
  const found = new Set(rows.map((r) => r.id));
  const missing = wanted.filter((id) => !found.has(id));
  if (missing.length > 0) throw badInput(field, `unknown ${what} id ${missing.join(', ')}`);
  return wanted;
}
