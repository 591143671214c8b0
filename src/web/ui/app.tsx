// The web app's shell: the sign-in screen until there is a token, then the signed-in user's screens
// (an agent's or an admin's) under a header with the live connection's state and "Sign out".
import { useCallback, useEffect, useState } from 'react';
import { createApi, ApiError, type Api } from '../api/client.js';
import { createLive, type Live, type LiveStatus } from '../api/live.js';
import { Viewer } from '../api/operations.js';
import { clearToken, loadToken, saveToken } from '../session-token.js';
import { AdminHome } from './admin/admin-home.js';
import { AgentHome } from './agent/agent-home.js';
import { errorText } from './hooks.js';
import { SessionContext, type SignedInUser } from './session.js';
import { SignIn } from './sign-in.js';

export function App() {
  const [token, setToken] = useState(loadToken);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback((message: string | null) => {
    clearToken();
    setToken(null);
    setNotice(message);
  }, []);
  const signedIn = useCallback((newToken: string) => {
    saveToken(newToken);
    setNotice(null);
    setToken(newToken);
  }, []);
  if (!token) return <SignIn notice={notice} onSignedIn={signedIn} />;
  // A new token is a new session: everything below starts over.
  return <SignedIn key={token} token={token} onSignOut={signOut} />;
}

const ENDED = 'Your session has ended. Sign in again.';

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

function SignedIn({ token, onSignOut }: { token: string; onSignOut: (message: string | null) => void }) {
  const [api] = useState<Api>(() => createApi(token, () => onSignOut(ENDED)));
  const [live, setLive] = useState<Live | null>(null);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>('connecting');
  const [viewer, setViewer] = useState<SignedInUser | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const created = createLive(token, { onStatus: setLiveStatus, onForbidden: () => onSignOut(ENDED) });
    setLive(created);
    return () => created.dispose();
  }, [token, onSignOut]);

  useEffect(() => {
    api.request(Viewer, {}).then(
      (data) => setViewer(data.me),
      (err: unknown) => {
        // UNAUTHENTICATED has signed out already (createApi's callback).
        if (!(err instanceof ApiError && err.code === 'UNAUTHENTICATED')) setFailure(errorText(err));
      },
    );
  }, [api]);

  if (failure) {
    return (
      <main className="centered">
        <p role="alert" className="error">Could not load your account: {failure}</p>
        <button type="button" onClick={() => location.reload()}>Try again</button>
      </main>
    );
  }
  if (!viewer || !live) return <main className="centered" aria-busy="true"><p>Loading…</p></main>;

  const signOut = () => onSignOut(null);
  return (
    <SessionContext.Provider value={{ api, live, liveStatus, viewer, setViewer, signOut }}>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">leadrace</span>
        <span className={`live live-${liveStatus}`} role="status">{STATUS_TEXT[liveStatus]}</span>
        <span className="who">{viewer.name}<span className="role"> · {viewer.role === 'ADMIN' ? 'Admin' : 'Agent'}</span></span>
        <button type="button" className="quiet" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {viewer.role === 'ADMIN' ? <AdminHome /> : <AgentHome />}
      </main>
    </SessionContext.Provider>
  );
}
