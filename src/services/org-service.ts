// The organisation around the users: tags, lead groups, halts, availability and the company settings.
import { DomainError, ErrorCode, badInput, notFound } from '../domain/errors.js';
import { requireTimeZone } from '../domain/local-time.js';
import { intInRange, optionalText, requireText } from '../domain/validation.js';
import type { Store, Stores } from '../store/port.js';
import type { LeadGroupRow, SettingsPatch, SettingsRow, TagRow, UserRow } from '../store/rows.js';
import type { Clock } from '../time/clock.js';
import { requireIds } from './existing-ids.js';

export interface LeadGroupInput {
  name?: string | null;
  memberIds?: readonly number[] | null;
}

export interface HaltInput {
  /** Null: halted until resumed. */
  until?: Date | null;
  reason?: string | null;
}

export interface CompanySettingsPatch {
  agentsCanChangeOwner?: boolean | null;
  agentsCanChangeUsers?: boolean | null;
  /** IANA zone of users without their own; null keeps it. */
  timeZone?: string | null;
  /** Halt after this many offers in a row expired unanswered; null turns it off; left out keeps it. */
  haltAfterMissedOffers?: number | null;
}

/** The most offers in a row haltAfterMissedOffers may wait for. */
export const MAX_MISSED_OFFERS = 100;

export function createOrgService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;

  async function requireUser(tx: Stores, id: number): Promise<UserRow> {
    const user = await tx.identity.findUser(id);
    if (!user) throw notFound('user');
    return user;
  }

  /** Every id must name a user; admins and inactive users may be members too. */
  const requireUsers = (tx: Stores, field: string, ids: readonly number[]): Promise<number[]> =>
    requireIds(field, 'user', ids, (wanted) => tx.identity.findUsers(wanted));

  async function requireFreeGroupName(tx: Stores, name: string, exceptId?: number): Promise<void> {
    const holder = await tx.org.findLeadGroupByName(name);
    if (holder && holder.id !== exceptId) {
      throw new DomainError(ErrorCode.CONFLICT, `name: a lead group named "${name}" already exists`, 'name');
    }
  }

  return {
    createTag(nameRaw: string): Promise<TagRow> {
      const name = requireText('name', nameRaw, 80);
      return store.transaction(async (tx) => {
        if (await tx.org.findTagByName(name)) {
          throw new DomainError(ErrorCode.CONFLICT, `name: a tag named "${name}" already exists`, 'name');
        }
        return tx.org.insertTag(name);
      });
    },

    listTags: (): Promise<TagRow[]> => store.org.listTags(),

    /** Replaces the user's tags with exactly these. */
    setUserTags(userId: number, tagIds: readonly number[]): Promise<UserRow> {
      return store.transaction(async (tx) => {
        const user = await requireUser(tx, userId);
        const wanted = await requireIds('tagIds', 'tag', tagIds, (ids) => tx.org.findTags(ids));
        await tx.identity.setUserTags(userId, wanted);
        return user;
      });
    },

    createLeadGroup(input: { name: string; memberIds: readonly number[] }): Promise<LeadGroupRow> {
      const name = requireText('name', input.name, 120);
      return store.transaction(async (tx) => {
        const memberIds = await requireUsers(tx, 'memberIds', input.memberIds);
        await requireFreeGroupName(tx, name);
        const group = await tx.org.insertLeadGroup(name);
        await tx.org.setLeadGroupMembers(group.id, memberIds);
        return group;
      });
    },

    /** Changes the given fields; memberIds replaces the whole membership. */
    updateLeadGroup(id: number, input: LeadGroupInput): Promise<LeadGroupRow> {
      const name = input.name != null ? requireText('name', input.name, 120) : null;
      return store.transaction(async (tx) => {
        if (!await tx.org.findLeadGroup(id)) throw notFound('lead group');
        const memberIds = input.memberIds != null ? await requireUsers(tx, 'memberIds', input.memberIds) : null;
        if (name !== null) {
          await requireFreeGroupName(tx, name, id);
          await tx.org.updateLeadGroupName(id, name);
        }
        if (memberIds !== null) await tx.org.setLeadGroupMembers(id, memberIds);
        const group = await tx.org.findLeadGroup(id);
        if (!group) throw notFound('lead group');
        return group;
      });
    },

    listLeadGroups: (): Promise<LeadGroupRow[]> => store.org.listLeadGroups(),

    /** Halts a user from now: no general leads until `until`, or until resumed when it is null. */
    haltUser(userId: number, input: HaltInput): Promise<UserRow> {
      const now = clock.now();
      const until = input.until ?? null;
      if (until !== null && !(until.getTime() > now)) {
        throw badInput('until', `must be in the future, got ${until.toISOString()}`);
      }
      const reason = optionalText('reason', input.reason, 500);
      return store.transaction(async (tx) => {
        await requireUser(tx, userId);
        // A halt (and a resume) starts the streak of missed offers again.
        const user = await tx.identity.updateUser(userId, { haltedAt: new Date(now), haltUntil: until, haltReason: reason, missedOffers: 0 });
        if (!user) throw notFound('user');
        return user;
      });
    },

    /** Ends a halt at once; resuming a user who is not halted changes nothing. */
    resumeUser(userId: number): Promise<UserRow> {
      return store.transaction(async (tx) => {
        await requireUser(tx, userId);
        const user = await tx.identity.updateUser(userId, { haltedAt: null, haltUntil: null, haltReason: null, missedOffers: 0 });
        if (!user) throw notFound('user');
        return user;
      });
    },

    /** A user's own switch: out of office means no general leads. */
    async setAvailability(userId: number, inOffice: boolean): Promise<UserRow> {
      const user = await store.identity.updateUser(userId, { inOffice });
      if (!user) throw notFound('user');
      return user;
    },

    getSettings: (): Promise<SettingsRow> => store.org.getSettings(),

    /** Changes the given rules; null or missing fields keep their value. */
    updateSettings(input: CompanySettingsPatch): Promise<SettingsRow> {
      const patch: SettingsPatch = {};
      if (input.agentsCanChangeOwner != null) patch.agentsCanChangeOwner = input.agentsCanChangeOwner;
      if (input.agentsCanChangeUsers != null) patch.agentsCanChangeUsers = input.agentsCanChangeUsers;
      if (input.timeZone != null) patch.timeZone = requireTimeZone('timeZone', input.timeZone);
      if (input.haltAfterMissedOffers !== undefined) {
        patch.haltAfterMissedOffers = input.haltAfterMissedOffers === null ? null
          : intInRange('haltAfterMissedOffers', input.haltAfterMissedOffers, 1, MAX_MISSED_OFFERS);
      }
      if (Object.keys(patch).length === 0) return store.org.getSettings();
      return store.org.updateSettings(patch);
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
