// Service areas: the postal codes or prefixes an agent serves, and whether a lead's postal code is
// in one. Codes are compared normalised (upper case, no spaces or dashes), so "sw1a 1aa" is in "SW1"
// and "78701-1234" is in "787".
import { badInput } from './errors.js';

/** At most this many areas per agent. */
export const MAX_SERVICE_AREAS = 200;
/** At most this long (normalised): a full postal code with room for ZIP+4. */
export const MAX_AREA_LENGTH = 12;

/** Upper case, without spaces and dashes: the form areas and postal codes are compared in. */
export function normalizePostal(code: string): string {
  return code.replace(/[\s-]+/g, '').toUpperCase();
}

/** Checked, normalised, without duplicates, sorted. */
export function validateServiceAreas(areas: readonly string[]): string[] {
  if (areas.length > MAX_SERVICE_AREAS) throw badInput('serviceAreas', `at most ${MAX_SERVICE_AREAS} areas`);
  const out = new Set<string>();
  areas.forEach((raw, i) => {
    const area = normalizePostal(raw);
    if (area.length === 0 || area.length > MAX_AREA_LENGTH || !/^[A-Z0-9]+$/.test(area)) {
      throw badInput(`serviceAreas[${i}]`, `"${raw}" is not a postal code or prefix (letters and digits, 1 to ${MAX_AREA_LENGTH})`);
    }
    out.add(area);
  });
  return [...out].sort();
}

/** Whether one of the (normalised) areas is a prefix of the (normalised) postal code. */
export function matchesArea(areas: readonly string[], postalCode: string): boolean {
  for (const a of areas) if (postalCode.startsWith(a)) return true;
  return false;
}
