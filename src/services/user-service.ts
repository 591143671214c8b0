// Offices and users: the people leads are routed to.
import { DomainError, ErrorCode, forbidden, notFound } from '../domain/errors.js';
import { requireTimeZone, validateWorkingHours, type WorkingHoursEntry } from '../domain/local-time.js';
import { validateServiceAreas } from '../domain/service-areas.js';
import type { Viewer } from '../domain/viewer.js';
import { intInRange } from '../domain/validation.js';
import {
  handleFromName, normalizeEmail, normalizeHandle, requireText,
} from '../domain/validation.js';
import { normalizePhone, type PhoneRegion } from '../domain/phone.js';
import type { Role } from '../domain/viewer.js';
import type { Store, Stores } from '../store/port.js';
import type { OfficeRow, UserPatch, UserRow } from '../store/rows.js';
import { hashPassword, validatePassword } from './auth-service.js';
import { requireIds } from './existing-ids.js';
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

/** How an agent is routed; every field optional (left out: unchanged). */
export interface RoutingProfileInput {
  /** IANA zone; null: the company's. */
  timeZone?: string | null;
  /** [] (or null): always available. */
  workingHours?: readonly WorkingHoursEntry[] | null;
  /** 1..100; null: back to 1. */
  routingWeight?: number | null;
  /** null: no cap. */
  dailyLeadCap?: number | null;
  /** [] (or null): no areas. */
  serviceAreas?: readonly string[] | null;
}

/** The highest routingWeight. */
export const MAX_ROUTING_WEIGHT = 100;
/** The highest dailyLeadCap (0 is allowed: no general leads today, every day). */
export const MAX_DAILY_LEAD_CAP = 10_000;

export function createUserService(deps: {
  store: Store;
  /** Deactivation closes the user's open offers in its own transaction (routing-service.ts). */
  changes: LeadChanges;
  routing: Pick<RoutingService, 'closeOffersOfDeactivated'>;
  /** DEFAULT_PHONE_REGION: the country of a phone written without one. */
  phoneRegion: PhoneRegion;
}) {
  const { store, changes, routing } = deps;
  /** Told after a user's deactivation commits (the server closes their open WebSockets). */
  const deactivatedListeners: ((userId: number) => void)[] = [];

  const requireOffices = (tx: Stores, field: string, ids: readonly number[]): Promise<number[]> =>
    requireIds(field, 'office', ids, (wanted) => tx.org.findOffices(wanted));

  async function requireFreeEmail(tx: Stores, email: string, exceptUserId?: number): Promise<void> {
    const holder = await tx.identity.findUserByEmail(email);
    if (holder && holder.id !== exceptUserId) {
      throw new DomainError(ErrorCode.CONFLICT, `email: ${email} is already used by another user`, 'email');
    }
  }

  /** A free handle: the given one must be free; a derived one gets a number until it is. */
  async function pickHandle(tx: Stores, given: string | null | undefined, name: string, exceptUserId?: number): Promise<string> {
    if (given) {
      const handle = normalizeHandle('handle', given);
      const holder = await tx.identity.findUserByHandle(handle);
      if (holder && holder.id !== exceptUserId) {
        throw new DomainError(ErrorCode.CONFLICT, `handle: "${handle}" is already taken`, 'handle');
      }
      return handle;
    }
    const base = handleFromName(name);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}${n}`;
      if (!await tx.identity.handleTaken(candidate)) return candidate;
    }
  }

  return {
    createOffice(nameRaw: string): Promise<OfficeRow> {
      const name = requireText('name', nameRaw, 120);
      // One transaction: no other office of that name can slip in between the check and the insert.
      return store.transaction(async (tx) => {
        if (await tx.org.findOfficeByName(name)) {
          throw new DomainError(ErrorCode.CONFLICT, `name: an office named "${name}" already exists`, 'name');
        }
        return tx.org.insertOffice(name);
      });
    },

    async createUser(input: CreateUserInput): Promise<UserRow> {
      const name = requireText('name', input.name, 120);
      const email = normalizeEmail('email', input.email);
      const phone = input.phone ? normalizePhone('phone', input.phone, deps.phoneRegion) : null;
      // Hash before the transaction: the KDF is slow, and a transaction holds the database meanwhile.
      const passwordHash = input.password ? await hashPassword(validatePassword(input.password)) : null;
      return store.transaction(async (tx) => {
        const officeIds = await requireOffices(tx, 'officeIds', input.officeIds ?? []);
        await requireFreeEmail(tx, email);
        const handle = await pickHandle(tx, input.handle, name);
        const user = await tx.identity.insertUser({ name, email, phone, role: input.role, handle, passwordHash });
        await tx.identity.setUserOffices(user.id, officeIds);
        return user;
      });
    },

    /**
     * `actorId`: the admin making the change, recorded on the events of a deactivation. Deactivating
     * (active: false) closes the user's PENDING offers and routes their leads on, in the same
     * transaction: no offer waits for someone who can no longer answer it.
     */
    async updateUser(id: number, input: UpdateUserInput, actorId: number | null = null): Promise<UserRow> {
      const patch: UserPatch = {};
      if (input.name != null) patch.name = requireText('name', input.name, 120);
      if (input.email != null) patch.email = normalizeEmail('email', input.email);
      if (input.phone !== undefined) patch.phone = input.phone ? normalizePhone('phone', input.phone, deps.phoneRegion) : null;
      if (input.active != null) patch.active = input.active;
      if (input.password) patch.passwordHash = await hashPassword(validatePassword(input.password));
      // A lead change (changes.run), so that the offers it closes publish and notify after commit.
      const updated = await changes.run(async (set, now) => {
        const { tx } = set;
        const existing = await tx.identity.findUser(id);
        if (!existing) throw notFound('user');
        if (patch.email) await requireFreeEmail(tx, patch.email, id);
        if (input.handle != null) patch.handle = await pickHandle(tx, input.handle, existing.name, id);
        const officeIds = input.officeIds != null ? await requireOffices(tx, 'officeIds', input.officeIds) : null;
        const user = await tx.identity.updateUser(id, patch);
        if (!user) throw notFound('user');
        if (officeIds) await tx.identity.setUserOffices(id, officeIds);
        // After the user row: routing in this transaction already sees them inactive.
        if (input.active === false) await routing.closeOffersOfDeactivated(id, actorId, set, now);
        return user;
      });
      // After the commit, so a listener never acts on a deactivation that was rolled back.
      if (input.active === false) for (const listener of deactivatedListeners) listener(id);
      return updated;
    },

    /**
     * Changes how a user is routed. An admin may change anyone's profile; an agent only their own time
     * zone and working hours (FORBIDDEN for anything else, checked before anything is written).
     */
    async updateRoutingProfile(userId: number, input: RoutingProfileInput, viewer: Viewer): Promise<UserRow> {
      if (viewer.role !== 'ADMIN') {
        if (viewer.id !== userId) throw forbidden('an agent may change only their own routing profile');
        if (input.routingWeight !== undefined || input.dailyLeadCap !== undefined || input.serviceAreas !== undefined) {
          throw forbidden('routingWeight, dailyLeadCap and serviceAreas are set by an admin');
        }
      }
      const patch: UserPatch = {};
      if (input.timeZone !== undefined) patch.timeZone = input.timeZone === null ? null : requireTimeZone('timeZone', input.timeZone);
      if (input.workingHours !== undefined) patch.workingHours = JSON.stringify(validateWorkingHours(input.workingHours ?? []));
      if (input.routingWeight !== undefined) {
        patch.routingWeight = input.routingWeight === null ? 1 : intInRange('routingWeight', input.routingWeight, 1, MAX_ROUTING_WEIGHT);
      }
      if (input.dailyLeadCap !== undefined) {
        patch.dailyLeadCap = input.dailyLeadCap === null ? null : intInRange('dailyLeadCap', input.dailyLeadCap, 0, MAX_DAILY_LEAD_CAP);
      }
      if (input.serviceAreas !== undefined) patch.serviceAreas = JSON.stringify(validateServiceAreas(input.serviceAreas ?? []));
      return store.transaction(async (tx) => {
        const user = await tx.identity.updateUser(userId, patch);
        if (!user) throw notFound('user');
        return user;
      });
    },

    /** Calls `listener` with the user's id each time an admin deactivates someone. */
    onDeactivated(listener: (userId: number) => void): void {
      deactivatedListeners.push(listener);
    },

    async getUser(id: number): Promise<UserRow> {
      const user = await store.identity.findUser(id);
      if (!user) throw notFound('user');
      return user;
    },

    listUsers: (): Promise<UserRow[]> => store.identity.listUsers(),
    listOffices: (): Promise<OfficeRow[]> => store.org.listOffices(),
  };
}

export type UserService = ReturnType<typeof createUserService>;
