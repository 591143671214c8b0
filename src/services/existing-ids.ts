// Ids given in a request that must each name an existing row (offices of a user, members of a
// group, ...): read the rows that exist among them, and let the domain rule say what is missing.
import { requireExisting, unique } from '../domain/validation.js';

/**
 * The ids, without duplicates, when every one names an existing row; otherwise BAD_USER_INPUT on
 * `field` listing the unknown ones. `find` loads the rows that exist among the ids it is given.
 */
export async function requireIds(field: string, what: string, ids: readonly number[],
  find: (ids: number[]) => Promise<readonly { id: number }[]>): Promise<number[]> {
  const wanted = unique(ids);
  return [...requireExisting(field, what, wanted, await find(wanted))];
}
