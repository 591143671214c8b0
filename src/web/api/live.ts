// Live updates: one graphql-ws socket on this page's own /graphql, signed in with the session's token
// in connectionParams, carrying every subscription of the page. graphql-ws sends events only while
// a socket is up, so whoever shows live data also listens to onConnected and reads the current state
// again on each (re)connection: nothing that happened while the socket was down is missed.
//
// The server registers a subscription a moment after its frame arrives, and graphql-ws does not
// acknowledge it: an offer made in that moment would be in neither the read made on connecting nor
// the stream. So the listeners run once more shortly after each connection (RESYNC_AGAIN_MS).
import { createClient, type Client } from 'graphql-ws';
import type { Operation } from './operation.js';

/** How long after connecting the state is read a second time (see above). */
export const RESYNC_AGAIN_MS = 1500;

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/** The server closes a socket whose token is not (or no longer) valid with this (contract: 4403). */
const FORBIDDEN = 4403;

export interface LiveOptions {
  onStatus(status: LiveStatus): void;
  /** The server refused the token: the app signs out. */
  onForbidden(): void;
}

export interface Live {
  subscribe<R, V>(op: Operation<R, V>, variables: V, onData: (data: R) => void): () => void;
  /** `listener` runs on every connection, the first included; returns a function that removes it. */
  onConnected(listener: () => void): () => void;
  dispose(): void;
}

function closeCode(event: unknown): number | null {
  return typeof CloseEvent !== 'undefined' && event instanceof CloseEvent ? event.code : null;
}

/** Waits 1, 2, 4, 8 s and then 15 s between attempts, with up to a second of jitter (many phones, one restart). */
function retryWait(retries: number): Promise<void> {
  const ms = Math.min(1000 * 2 ** retries, 15_000) + Math.random() * 1000;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createLive(token: string, options: LiveOptions): Live {
  const connectedListeners = new Set<() => void>();
  let disposed = false;
  let resyncTimer: ReturnType<typeof setTimeout> | undefined;
  const resync = () => { for (const listener of connectedListeners) listener(); };
  const client: Client = createClient({
    url: new URL('/graphql', location.origin).href.replace(/^http/, 'ws'),
    connectionParams: { authorization: `Bearer ${token}` },
    // Connected from the start and kept up: an agent waits for offers with nothing subscribed yet.
    lazy: false,
    // A refused token ends it; anything else (a restart 1001, events interrupted 1012, a network
    // change on a phone, too many sockets 4429) is retried for as long as the page is open.
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => closeCode(event) !== FORBIDDEN,
    retryWait,
    on: {
      connecting: (isRetry) => { if (!disposed) options.onStatus(isRetry ? 'reconnecting' : 'connecting'); },
      connected: () => {
        if (disposed) return;
        options.onStatus('live');
        resync();
        clearTimeout(resyncTimer);
        resyncTimer = setTimeout(resync, RESYNC_AGAIN_MS);
      },
      closed: (event) => {
        clearTimeout(resyncTimer);
        if (disposed) return;
        if (closeCode(event) === FORBIDDEN) options.onForbidden();
        else options.onStatus('reconnecting');
      },
    },
  });
  return {
    subscribe<R, V>(op: Operation<R, V>, variables: V, onData: (data: R) => void) {
      return client.subscribe<R>({ query: op.text, variables: variables as Record<string, unknown> }, {
        next: (result) => { if (result.data) onData(result.data); },
        // An error ends only this subscription; the screens read again on the next connection.
        error: () => {},
        complete: () => {},
      });
    },
    onConnected(listener) {
      connectedListeners.add(listener);
      return () => { connectedListeners.delete(listener); };
    },
    dispose() {
      disposed = true;
      clearTimeout(resyncTimer);
      connectedListeners.clear();
      void client.dispose();
    },
  };
}
