// Where the signed-in token is kept: sessionStorage only, so it lives as long as the browser tab's
// session and is never written where another session or a later visitor of the machine reads it.
const KEY = 'leadrace.token';

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    // Storage refused (a privacy mode): the user signs in again on each load.
    return null;
  }
}

export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // As above: the session still works until the page is reloaded.
  }
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was kept.
  }
}
