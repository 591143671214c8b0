// What every screen of a signed-in user needs: the API client, the live socket, who is signed in,
// and signing out. Provided by app.tsx.
import { createContext, useContext } from 'react';
import type { Api } from '../api/client.js';
import type { ViewerQuery } from '../api/generated.js';
import type { Live, LiveStatus } from '../api/live.js';

export type SignedInUser = ViewerQuery['me'];

export interface Session {
  api: Api;
  live: Live;
  liveStatus: LiveStatus;
  viewer: SignedInUser;
  /** Replaces the signed-in user's data after a change (availability). */
  setViewer(viewer: SignedInUser): void;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in session');
  return session;
}
