// When each API token was last used (the token list's lastUsedAt), recorded without a write per
// request. The token lookup runs for every HTTP request and every WebSocket operation; a write
// there would be a commit (and with SQLITE_SYNCHRONOUS=FULL an fsync) each time. Instead a use is
// noted in memory when the stored time is a minute old or more, and the notes are written in one
// transaction a minute later (and when the server stops). The list reads the notes too, so it is
// exact to the minute; a crash loses at most the last minute's notes.
import type { Logger } from 'pino';
import type { IdentityStore } from '../store/port.js';
import type { Clock, TimerHandle } from '../time/clock.js';

/** A use within this many ms of the recorded one is not recorded again. Also the write interval. */
export const TOKEN_USE_PRECISION_MS = 60_000;

export function createTokenUsage(deps: { identity: Pick<IdentityStore, 'recordTokenUses'>; clock: Clock; logger: Logger }) {
  const { identity, clock, logger } = deps;
  /** Token id to the time of its latest use not yet written. */
  const pending = new Map<number, number>();
  let timer: TimerHandle | null = null;
  let stopped = false;
  /** The batches written so far, one after another: stop() waits for the last. */
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    timer = null;
    if (pending.size === 0) return writing;
    const batch = new Map(pending);
    pending.clear();
    writing = writing.then(() => identity.recordTokenUses(batch)).catch((err: unknown) => {
      // Only a "last used" time is lost; the next use after a minute records it again.
      logger.error({ err, tokens: batch.size }, 'could not record when API tokens were last used');
    });
    return writing;
  }

  return {
    /**
     * A request or WebSocket operation was authenticated with this token, whose stored last use is
     * `recorded` (ms, or null). Notes the use when the token's latest known use is a minute old.
     */
    used(tokenId: number, recorded: number | null): void {
      const now = clock.now();
      const latest = Math.max(recorded ?? Number.NEGATIVE_INFINITY, pending.get(tokenId) ?? Number.NEGATIVE_INFINITY);
      if (now - latest < TOKEN_USE_PRECISION_MS) return;
      pending.set(tokenId, now);
      // flush's promise: a test clock waits for the write (clock.ts TimerFn).
      if (timer === null && !stopped) timer = clock.setTimer(TOKEN_USE_PRECISION_MS, () => flush());
    },

    /** The token's last use: the note not yet written, else the stored time. */
    lastUsed(tokenId: number, recorded: Date | null): Date | null {
      const noted = pending.get(tokenId);
      if (noted !== undefined && (recorded === null || noted > recorded.getTime())) return new Date(noted);
      return recorded;
    },

    /** Writes what is noted and arms no more timers (the server is stopping; the database is still open). */
    stop(): Promise<void> {
      stopped = true;
      timer?.cancel();
      return flush();
    },
  };
}

export type TokenUsage = ReturnType<typeof createTokenUsage>;
