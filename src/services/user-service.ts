// Offices and users: the people leads are routed to.
import { DomainError, ErrorCode, notFound } from '../domain/errors.js';
import {
  handleFromName, normalizeEmail, normalizeHandle, normalizePhone, requireExisting, requireText,
} from '../domain/validation.js';
import type { Role } from '../domain/viewer.js';
import type { IdentityStore, UserRow } from '../store/sqlite/identity-store.js';
import type { OfficeRow, OrgStore } from '../store/sqlite/org-store.js';
import { hashPassword, validatePassword } from './auth-service.js';
import type { LeadChanges } from './lead-changes.js';
import type { RoutingService } from './routing-service.js';

export interface CreateUserInput {
  name: string;
  email: string;
  phone?: string | null;
  role: Role;
  officeIds?: readonly number[] | null;
  handle?: string | null;
  password?: string | null;
}

export interface UpdateUserInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  officeIds?: readonly number[] | null;
  active?: boolean | null;
  handle?: string | null;
  password?: string | null;
}

export function createUserService(deps: {
  identity: IdentityStore;
  org: OrgStore;
  /** Deactivation closes the user's open offers in its own transaction (routing-service.ts). */
  changes: LeadChanges;
  routing: Pick<RoutingService, 'closeOffersOfDeactivated'>;
}) {
  const { identity, org, changes, routing } = deps;
  /** Told after a user's deactivation commits (the server closes their open WebSockets). */
  const deactivatedListeners: ((userId: number) => void)[] = [];

  const requireOffices = (field: string, ids: readonly number[]): number[] =>
    requireExisting(field, 'office', ids, (wanted) => org.findOffices(wanted));

  function requireFreeEmail(email: string, exceptUserId?: number): void {
    const holder = identity.findUserByEmail(email);
    if (holder && holder.id !== exceptUserId) {
      throw new DomainError(ErrorCode.CONFLICT, `email: ${email} is already used by another user`, 'email');
    }
  }

  /** A free handle: the given one must be free; a derived one gets a number until it is. */
  function pickHandle(given: string | null | undefined, name: string, exceptUserId?: number): string {
    if (given) {
      const handle = normalizeHandle('handle', given);
      const holder = identity.findUserByHandle(handle);
      if (holder && holder.id !== exceptUserId) {
        throw new DomainError(ErrorCode.CONFLICT, `handle: "${handle}" is already taken`, 'handle');
      }
      return handle;
    }
    const base = handleFromName(name);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}${n}`;
      if (!identity.handleTaken(candidate)) return candidate;
    }
  }

  return {
    createOffice(nameRaw: string): OfficeRow {
      const name = requireText('name', nameRaw, 120);
      if (org.findOfficeByName(name)) {
        throw new DomainError(ErrorCode.CONFLICT, `name: an office named "${name}" already exists`, 'name');
      }
      return org.insertOffice(name);
    },

    async createUser(input: CreateUserInput): Promise<UserRow> {
      const name = requireText('name', input.name, 120);
      const email = normalizeEmail('email', input.email);
      const phone = input.phone ? normalizePhone('phone', input.phone) : null;
      // Hash before the transaction: the KDF is slow and async, transactions must be synchronous.
      const passwordHash = input.password ? await hashPassword(validatePassword(input.password)) : null;
      return identity.transaction(() => {
        const officeIds = requireOffices('officeIds', input.officeIds ?? []);
        requireFreeEmail(email);
        const handle = pickHandle(input.handle, name);
        const user = identity.insertUser({ name, email, phone, role: input.role, handle, passwordHash });
        identity.setUserOffices(user.id, officeIds);
        return user;
      });
    },

    /**
     * `actorId`: the admin making the change, recorded on the events of a deactivation. Deactivating
     * (active: false) closes the user's PENDING offers and routes their leads on, in the same
     * transaction: no offer waits for someone who can no longer answer it.
     */
    async updateUser(id: number, input: UpdateUserInput, actorId: number | null = null): Promise<UserRow> {
      const patch: Partial<UserRow> = {};
      if (input.name != null) patch.name = requireText('name', input.name, 120);
      if (input.email != null) patch.email = normalizeEmail('email', input.email);
      if (input.phone !== undefined) patch.phone = input.phone ? normalizePhone('phone', input.phone) : null;
      if (input.active != null) patch.active = input.active;
      if (input.password) patch.passwordHash = await hashPassword(validatePassword(input.password));
      // A lead change (changes.run), so that the offers it closes publish and notify after commit.
      const updated = changes.run((set, now) => {
        const existing = identity.findUser(id);
        if (!existing) throw notFound('user');
        if (patch.email) requireFreeEmail(patch.email, id);
        if (input.handle != null) patch.handle = pickHandle(input.handle, existing.name, id);
        const officeIds = input.officeIds != null ? requireOffices('officeIds', input.officeIds) : null;
        const user = identity.updateUser(id, patch);
        if (!user) throw notFound('user');
        if (officeIds) identity.setUserOffices(id, officeIds);
        // After the user row: routing in this transaction already sees them inactive.
        if (input.active === false) routing.closeOffersOfDeactivated(id, actorId, set, now);
        return user;
      });
      // After the commit, so a listener never acts on a deactivation that was rolled back.
      if (input.active === false) for (const listener of deactivatedListeners) listener(id);
      return updated;
    },

    /** Calls `listener` with the user's id each time an admin deactivates someone. */
    onDeactivated(listener: (userId: number) => void): void {
      deactivatedListeners.push(listener);
    },

    getUser(id: number): UserRow {
      const user = identity.findUser(id);
      if (!user) throw notFound('user');
      return user;
    },

    listUsers: (): UserRow[] => identity.listUsers(),
    listOffices: (): OfficeRow[] => org.listOffices(),
  };
}

export type UserService = ReturnType<typeof createUserService>;
