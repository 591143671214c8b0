// Signing in: email and password (the login mutation), or an API token for users who have no
// password (the first admin of a fresh install has only the token printed at start).
import { useState, type FormEvent } from 'react';
import { ApiError, createApi } from '../api/client.js';
import { SignIn as SignInMutation, Viewer } from '../api/operations.js';

function signInError(err: unknown): string {
  if (err instanceof ApiError) {
    // The API gives one message for an unknown email and a wrong password, as it should.
    if (err.code === 'UNAUTHENTICATED') return 'Wrong email or password. Check both and try again.';
    if (err.code === 'RATE_LIMITED') return `Too many attempts: ${err.message}`;
    return err.message;
  }
  return 'Something went wrong. Try again.';
}

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (token: string) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [apiToken, setApiToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function withPassword(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { login } = await createApi(null).request(SignInMutation, { email: email.trim(), password });
      onSignedIn(login.token);
    } catch (err) {
      setError(signInError(err));
      setBusy(false);
    }
  }

  async function withToken(event: FormEvent) {
    event.preventDefault();
    const token = apiToken.trim();
    setBusy(true);
    setError(null);
    try {
      await createApi(token).request(Viewer, {});
      onSignedIn(token);
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'UNAUTHENTICATED' ? 'That API token is not valid.' : signInError(err));
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" id="main">
      <h1>leadrace</h1>
      <p className="lede">Sign in to see your leads.</p>
      {notice && <p className="notice" role="status">{notice}</p>}
      <form onSubmit={withPassword} aria-label="Sign in">
        <label htmlFor="email">Email</label>
        <input id="email" type="email" autoComplete="username" required value={email}
          onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>Sign in</button>
      </form>
      <details className="token-sign-in">
        <summary>Sign in with an API token</summary>
        <form onSubmit={withToken} aria-label="Sign in with an API token">
          <label htmlFor="api-token">API token</label>
          <input id="api-token" type="password" autoComplete="off" required value={apiToken}
            onChange={(e) => setApiToken(e.target.value)} />
          <button type="submit" disabled={busy}>Sign in with token</button>
        </form>
      </details>
    </main>
  );
}
