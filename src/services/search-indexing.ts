// Keeps the lead list's search index caught up with the leads, in batches, after they commit.
// A lead's own transaction no longer writes the FTS5 index: FTS5 writes a new segment per
// transaction and merges segments as they pile up, which at one lead per commit was 7 of the lead's
// ~32 pages and about 45% of the pages every WAL checkpoint copied (issue 6, speed to lead).
// Batched, a segment holds every lead committed in the last BATCH_DELAY_MS. Search stays complete
// meanwhile: it reads the leads past the watermark from the table (lead-list-store.ts).
//
// Timing here is plain setTimeout, not the injected clock: this is housekeeping, not a domain rule,
// and no test waits for it (search gives the same answers before and after a batch).
import type { Logger } from 'pino';
import type { LeadListStore } from '../store/port.js';

/** How long new leads wait to be indexed together: a few ms of search tail against fewer segments. */
const BATCH_DELAY_MS = 200;
/** Leads per indexing transaction: bounds how long one batch holds the event loop (~30 µs a lead). */
const BATCH_SIZE = 500;

export function createSearchIndexing(deps: { list: LeadListStore; logger: Logger }) {
  const { list } = deps;
  const logger = deps.logger.child({ component: 'search-index' });
  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;
  let running = false;

  /** The batch being indexed, if any: stop() waits for it, so nothing writes after the store closes. */
  let batch: Promise<void> | null = null;
  /** Leads came while a batch was being indexed: another batch follows it. */
  let again = false;

  function runBatch(): void {
    timer = null;
    immediate = null;
    if (!running) return;
    if (batch) {
      again = true;
      return;
    }
    batch = (async () => {
      let full = false;
      let failed = false;
      try {
        full = await list.indexPending(BATCH_SIZE) === BATCH_SIZE;
      } catch (err) {
        // Search stays correct (the unindexed tail is read from the table); try again later.
        logger.error({ err }, 'indexing leads for search failed');
        failed = true;
      } finally {
        batch = null;
      }
      // A full batch means more are waiting (a restart after a burst, say): the next batch goes in
      // the next turn of the event loop, so requests are served in between.
      if (full && !failed && running) immediate ??= setImmediate(runBatch);
      else if (failed || again) schedule();
      again = false;
    })();
  }

  function schedule(): void {
    if (!running || timer || immediate) return;
    timer = setTimeout(runBatch, BATCH_DELAY_MS);
  }

  return {
    /** Catches up with whatever a previous run (or a bulk load) left unindexed, then follows new leads. */
    async start(): Promise<void> {
      running = true;
      const pending = await list.pendingSearchIndex();
      if (pending === 0) return;
      logger.info({ leads: pending }, 'indexing leads for search');
      immediate ??= setImmediate(runBatch);
    },
    /** Leads were committed: index them with the next batch. */
    leadsAdded: schedule,
    async stop(): Promise<void> {
      running = false;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      timer = null;
      immediate = null;
      await batch;
    },
  };
}

export type SearchIndexing = ReturnType<typeof createSearchIndexing>;
