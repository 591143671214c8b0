// The lead list as the API pages it: newest first, Relay cursors, stable under inserts. A cursor
// is the last id seen, so the next page is "older than that id": a lead that arrives between two
// page reads is newer than every cursor and can neither be repeated nor push another one off a page.
import { badInput } from '../domain/errors.js';
import type { Viewer } from '../domain/viewer.js';
import type { LeadListFilter, LeadListStore } from '../store/port.js';
import type { LeadView } from './lead-service.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const SEARCH_MAX = 200;
// C0 controls and DEL.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export interface LeadPage {
  leads: LeadView[];
  hasNextPage: boolean;
  /**
   * Whether leads come before this page in the list (Relay, forward pagination): false without
   * `after`; with it, whether any lead that matches is the cursor's or newer. Read only when asked for.
   */
  hasPreviousPage: () => Promise<boolean>;
  /**
   * The number of leads matching the filter over all pages. Counting walks every match, which
   * costs more than the page itself over a large table, so it runs only when asked for.
   */
  totalCount: () => Promise<number>;
}

const CURSOR_PREFIX = 'lead:';

/** Opaque to clients: base64 of "lead:<id>". */
export function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, 'utf8').toString('base64');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const id = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw badInput('after', 'not a cursor from this list');
  return id;
}

export function createLeadListService(deps: { list: LeadListStore }) {
  const { list } = deps;

  return {
    /** Admins see every lead; agents those they own or are a user of (with full access to each). */
    async leads(viewer: Viewer, filter: LeadListFilter, first: number | null | undefined, after: string | null | undefined): Promise<LeadPage> {
      const size = first ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
        throw badInput('first', `must be between 0 and ${MAX_PAGE_SIZE}`);
      }
      if (filter.search && filter.search.length > SEARCH_MAX) throw badInput('search', `must be at most ${SEARCH_MAX} characters`);
      // No name, email or phone holds one, and a NUL ended the trigram index's query mid-string
      // (an internal error, "unterminated string").
      if (filter.search && CONTROL_CHARACTER.test(filter.search)) {
        throw badInput('search', 'must not contain control characters (such as NUL, a tab or a line break)');
      }
      if (filter.createdFrom && filter.createdTo && filter.createdFrom > filter.createdTo) {
        throw badInput('createdTo', 'must not be before createdFrom');
      }
      const beforeId = after ? decodeCursor(after) : null;
      const scope = { memberId: viewer.role === 'ADMIN' ? null : viewer.id };
      // One extra row says whether another page follows, without a count.
      const rows = size === 0 ? [] : await list.listLeads(scope, filter, beforeId, size + 1);
      const page = rows.slice(0, size);
      let counted: Promise<number> | null = null;
      let previous: Promise<boolean> | null = null;
      return {
        leads: page.map((row) => ({ ...row, access: 'FULL' })),
        hasNextPage: rows.length > size,
        hasPreviousPage: () => (previous ??= beforeId === null ? Promise.resolve(false) : list.anyLeadFrom(scope, filter, beforeId)),
        totalCount: () => (counted ??= list.countLeads(scope, filter)),
      };
    },
  };
}

export type LeadListService = ReturnType<typeof createLeadListService>;
