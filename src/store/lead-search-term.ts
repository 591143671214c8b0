// What a lead search looks for, and which parts of it a trigram index should look up: one reading for both
// dialects' searches (SQLite: lead-list-store.ts, PostgreSQL: postgres/lead-search.ts), so that one search
// text finds the same leads in either.

/** Trigram indexes need three characters; shorter terms are matched by a scan. */
export const MIN_INDEXED_SEARCH = 3;

/**
 * The term a search text stands for: trimmed, and a text that looks like a phone number (digits, spaces,
 * parentheses, dots, dashes, plus) with three or more digits is matched on its digits, as phones are stored
 * (+15125550199). '' means no search.
 */
export function searchTerm(raw: string): string {
  const trimmed = raw.trim();
  if (/^[\d\s().+-]+$/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    if (digits.length >= MIN_INDEXED_SEARCH) return digits;
  }
  return trimmed;
}

/** A LIKE pattern for the term as a substring; %, _ and the escape character \ stand for themselves. */
export const likePattern = (term: string): string => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

// Phone searches and dense trigrams. Digits make only 1,000 trigrams, and phones share their first digits: in
// a brokerage in one area code, "+1512..." puts 151 and 512 in every lead. Looking those up costs both
// indexes most of a phone search (FTS5 seeks their lists for every candidate; PostgreSQL's GIN reads them
// whole), so a digit term's dense trigrams are left out of the index lookup, and the rows it finds are
// checked for the whole term. That is exact: the parts looked up are substrings of the term, so they hold in
// every row that holds the term, and digits have no case to fold.

/**
 * How many leads, spread evenly over all ids, are sampled to tell which of a phone search's trigrams are
 * dense, and what share of them must hold one for it to count as dense. At 1M leads on SQLite, seeking a
 * trigram held by one lead in ten cost the benchmark's phone search 0.85 ms more than leaving it out (2.1
 * against 1.3 ms); 256 leads tell one in ten from one in a hundred.
 */
export const DENSITY_SAMPLE = 256;
const DENSE_SHARE = 1 / 16;

/** The ids of the sample, spread evenly up to the newest lead's id. */
export const sampleIds = (lastId: number): number[] =>
  Array.from({ length: DENSITY_SAMPLE }, (_, k) => Math.ceil((lastId * (k + 0.5)) / DENSITY_SAMPLE));

/**
 * Whether a sample taken when the newest id was `sampledAt` still stands at `lastId`: until the ids have
 * moved by more than a sample step. Which leads are sampled only changes how fast a search runs, never what
 * it finds.
 */
export const sampleStands = (sampledAt: number, lastId: number): boolean => Math.abs(lastId - sampledAt) * DENSITY_SAMPLE <= sampledAt;

/** Whether a term is looked up around its dense trigrams: digits, more than one trigram (one is one list). */
export const isPlannedByDensity = (term: string): boolean => /^\d+$/.test(term) && term.length > MIN_INDEXED_SEARCH;

/**
 * For each trigram of `term` (term.slice(i, i + 3)), whether at least DENSE_SHARE of the sampled texts hold
 * it. A sampled text is a lead's name, email and phone on one line each, so no trigram spans two.
 */
export function denseTrigrams(term: string, texts: readonly string[]): boolean[] {
  return Array.from({ length: term.length - 2 }, (_, i) => {
    const trigram = term.slice(i, i + 3);
    const holders = texts.filter((t) => t.includes(trigram)).length;
    return texts.length > 0 && holders >= texts.length * DENSE_SHARE;
  });
}

/**
 * The substrings of `term` to look up, given which of its trigrams are dense: each run of consecutive sparse
 * trigrams, as the substring it covers. null when nothing or everything is dense: look up the whole term.
 */
export function sparseParts(term: string, dense: readonly boolean[]): string[] | null {
  if (!dense.includes(true) || !dense.includes(false)) return null;
  const runs: string[] = [];
  for (let i = 0; i < dense.length; i++) {
    if (dense[i]) continue;
    const start = i;
    while (i + 1 < dense.length && !dense[i + 1]) i++;
    runs.push(term.slice(start, i + 3));
  }
  return runs;
}
