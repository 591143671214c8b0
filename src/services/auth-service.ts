// Tokens, sessions and passwords. Tokens are 256 random bits shown once; only their SHA-256 is
// stored (a fast hash is right for high-entropy secrets). Passwords use scrypt, a slow KDF.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { DomainError, ErrorCode, badInput, notFound } from '../domain/errors.js';
import { normalizeEmail, optionalText } from '../domain/validation.js';
import type { Viewer } from '../domain/viewer.js';
import type { Store } from '../store/port.js';
import type { Clock } from '../time/clock.js';
import type { TokenUsage } from './token-usage.js';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

// N=2^15, r=8: about 30-60 ms per hash on this class of machine, 32 MiB of memory.
const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;
/** Sessions from `login` last 30 days; API tokens until revoked (or while their user is deactivated). */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const newToken = (): string => `lr_${randomBytes(32).toString('base64url')}`;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LEN, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(actual, expected);
}

export function validatePassword(password: string): string {
  if (password.length < 8) throw badInput('password', 'must be at least 8 characters');
  if (password.length > 200) throw badInput('password', 'must be at most 200 characters');
  return password;
}

/** An API token's label: optional, at most this many characters. */
export const TOKEN_LABEL_MAX = 100;

/** The viewer a token belongs to, and which token it was (its WebSockets close when it is revoked). */
export interface TokenViewer extends Viewer {
  tokenId: number;
}

/** An API token as the token list shows it: never its value or hash. */
export interface ApiTokenInfo {
  id: number;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

// Compared against when the email is unknown, so both failures take the same time.
let dummyHash: Promise<string> | null = null;

export function createAuthService(deps: { store: Store; clock: Clock; usage: TokenUsage }) {
  const { store, clock, usage } = deps;
  const { identity } = store;
  const revokedListeners: ((tokenId: number, userId: number) => void)[] = [];

  return {
    /** The viewer a bearer token belongs to, or null (unknown, revoked, expired, or user deactivated). */
    async authenticate(token: string | null | undefined): Promise<TokenViewer | null> {
      if (!token) return null;
      const row = await identity.findViewerByTokenHash(hashToken(token), new Date(clock.now()));
      if (!row) return null;
      usage.used(row.tokenId, row.lastUsedAt);
      return { id: row.id, role: row.role, tokenId: row.tokenId };
    },

    /** A new API token for a user, with an optional label; the caller shows the token once. */
    issueApiToken(userId: number, label: string | null = null): Promise<{ id: number; token: string }> {
      const cleanLabel = optionalText('label', label, TOKEN_LABEL_MAX);
      // One transaction: the user cannot go between the check and the insert.
      return store.transaction(async (tx) => {
        if (!await tx.identity.findUser(userId)) throw notFound('user');
        const token = newToken();
        const id = await tx.identity.insertToken({
          userId, tokenHash: hashToken(token), kind: 'API', label: cleanLabel, createdAt: new Date(clock.now()),
        });
        return { id, token };
      });
    },

    /** A user's API tokens that still work, oldest first (login sessions are not listed). */
    async listApiTokens(userId: number): Promise<ApiTokenInfo[]> {
      if (!await identity.findUser(userId)) throw notFound('user');
      return (await identity.listApiTokens(userId)).map((t) => ({ ...t, lastUsedAt: usage.lastUsed(t.id, t.lastUsedAt) }));
    },

    /**
     * Revokes an API token: from the next request on it is UNAUTHENTICATED, and the listeners close
     * the WebSockets signed in with it. True when this call revoked it, false when it already was;
     * NOT_FOUND when no API token has this id (a login session's id included).
     */
    async revokeApiToken(id: number): Promise<boolean> {
      const result = await identity.revokeApiToken(id, new Date(clock.now()));
      if (!result) throw notFound('API token');
      if (result.outcome === 'ALREADY') return false;
      for (const listener of revokedListeners) listener(id, result.userId);
      return true;
    },

    /** Calls `listener` after each revocation, with the token's id and its user's. */
    onRevoked(listener: (tokenId: number, userId: number) => void): void {
      revokedListeners.push(listener);
    },

    async login(emailRaw: string, password: string): Promise<{ token: string; userId: number }> {
      const refused = new DomainError(ErrorCode.UNAUTHENTICATED, 'wrong email or password');
      let email: string;
      try {
        email = normalizeEmail('email', emailRaw);
      } catch {
        throw refused;
      }
      const user = await identity.findUserByEmail(email);
      if (!user || !user.passwordHash || !user.active) {
        dummyHash ??= hashPassword('not the password');
        await verifyPassword(password, await dummyHash);
        throw refused;
      }
      if (!(await verifyPassword(password, user.passwordHash))) throw refused;
      const token = newToken();
      await identity.insertToken({
        userId: user.id, tokenHash: hashToken(token), kind: 'SESSION',
        createdAt: new Date(clock.now()), expiresAt: new Date(clock.now() + SESSION_TTL_MS),
      });
      return { token, userId: user.id };
    },

    logout(token: string): Promise<void> {
      return identity.deleteSession(hashToken(token));
    },

    /**
     * Start-up: with BOOTSTRAP_ADMIN_TOKEN, make sure an admin holds that token; without it, create a
     * first admin when there is none. Returns the new token when one was generated (print it once).
     */
    ensureBootstrapAdmin(bootstrapToken: string | null): Promise<{ generatedToken: string | null; userId: number | null }> {
      // Exclusive: instances starting together on one empty database make one first admin.
      return store.transaction(async ({ identity: tx }) => {
        if (bootstrapToken !== null) {
          const hash = hashToken(bootstrapToken);
          // A revoked bootstrap token exists too: it stays revoked (a new value makes a new token).
          if (await tx.tokenExists(hash)) return { generatedToken: null, userId: null };
          const admin = await tx.findUserByEmail('admin@leadrace.local')
            ?? await tx.insertUser({ name: 'Admin', email: 'admin@leadrace.local', role: 'ADMIN', handle: 'admin' });
          await tx.insertToken({
            userId: admin.id, tokenHash: hash, kind: 'API', label: 'BOOTSTRAP_ADMIN_TOKEN', createdAt: new Date(clock.now()),
          });
          return { generatedToken: null, userId: admin.id };
        }
        if (await tx.anyAdmin()) return { generatedToken: null, userId: null };
        const admin = await tx.insertUser({ name: 'Admin', email: 'admin@leadrace.local', role: 'ADMIN', handle: 'admin' });
        const token = newToken();
        await tx.insertToken({
          userId: admin.id, tokenHash: hashToken(token), kind: 'API', label: 'first admin (printed at first start)',
          createdAt: new Date(clock.now()),
        });
        return { generatedToken: token, userId: admin.id };
      }, { exclusive: 'bootstrap-admin' });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
