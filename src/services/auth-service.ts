// Tokens, sessions and passwords. Tokens are 256 random bits shown once; only their SHA-256 is
// stored (a fast hash is right for high-entropy secrets). Passwords use scrypt, a slow KDF.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { DomainError, ErrorCode, badInput, notFound } from '../domain/errors.js';
import { normalizeEmail } from '../domain/validation.js';
import type { Viewer } from '../domain/viewer.js';
import type { Store } from '../store/port.js';
import type { Clock } from '../time/clock.js';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

// N=2^15, r=8: about 30-60 ms per hash on this class of machine, 32 MiB of memory.
const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;
/** Sessions from `login` last 30 days; API tokens until the user is deactivated. */
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

// Compared against when the email is unknown, so both failures take the same time.
let dummyHash: Promise<string> | null = null;

export function createAuthService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  const { identity } = store;

  return {
    /** The viewer a bearer token belongs to, or null (unknown, expired, or user deactivated). */
    async authenticate(token: string | null | undefined): Promise<Viewer | null> {
      if (!token) return null;
      const row = await identity.findViewerByTokenHash(hashToken(token), new Date(clock.now()));
      return row ? { id: row.id, role: row.role } : null;
    },

    /** A new API token for a user; the caller shows it once. */
    issueApiToken(userId: number): Promise<string> {
      return store.transaction(async (tx) => {
        if (!await tx.identity.findUser(userId)) throw notFound('user');
        const token = newToken();
        await tx.identity.insertToken({ userId, tokenHash: hashToken(token), kind: 'API' });
        return token;
      });
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
        expiresAt: new Date(clock.now() + SESSION_TTL_MS),
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
      return store.transaction(async ({ identity: tx }) => {
        if (bootstrapToken !== null) {
          const hash = hashToken(bootstrapToken);
          if (await tx.tokenExists(hash)) return { generatedToken: null, userId: null };
          const admin = await tx.findUserByEmail('admin@leadrace.local')
            ?? await tx.insertUser({ name: 'Admin', email: 'admin@leadrace.local', role: 'ADMIN', handle: 'admin' });
          await tx.insertToken({ userId: admin.id, tokenHash: hash, kind: 'API' });
          return { generatedToken: null, userId: admin.id };
        }
        if (await tx.anyAdmin()) return { generatedToken: null, userId: null };
        const admin = await tx.insertUser({ name: 'Admin', email: 'admin@leadrace.local', role: 'ADMIN', handle: 'admin' });
        const token = newToken();
        await tx.insertToken({ userId: admin.id, tokenHash: hashToken(token), kind: 'API' });
        return { generatedToken: token, userId: admin.id };
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
