// The organisation around the users: tags, lead groups, halts, availability and the company settings.
import { DomainError, ErrorCode, badInput, notFound } from '../domain/errors.js';
import { optionalText, requireExisting, requireText } from '../domain/validation.js';
import type { IdentityStore, UserRow } from '../store/sqlite/identity-store.js';
import type { LeadGroupRow, OrgStore, SettingsRow, TagRow } from '../store/sqlite/org-store.js';
import type { Clock } from '../time/clock.js';

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
}

export function createOrgService(deps: { identity: IdentityStore; org: OrgStore; clock: Clock }) {
  const { identity, org, clock } = deps;

  function requireUser(id: number): UserRow {
    const user = identity.findUser(id);
    if (!user) throw notFound('user');
    return user;
  }

  /** Every id must name a user; admins and inactive users may be members too. */
  const requireUsers = (field: string, ids: readonly number[]): number[] =>
    requireExisting(field, 'user', ids, (wanted) => identity.findUsers(wanted));

  function requireFreeGroupName(name: string, exceptId?: number): void {
    const holder = org.findLeadGroupByName(name);
    if (holder && holder.id !== exceptId) {
      throw new DomainError(ErrorCode.CONFLICT, `name: a lead group named "${name}" already exists`, 'name');
    }
  }

  return {
    createTag(nameRaw: string): TagRow {
      const name = requireText('name', nameRaw, 80);
      return identity.transaction(() => {
        if (org.findTagByName(name)) {
          throw new DomainError(ErrorCode.CONFLICT, `name: a tag named "${name}" already exists`, 'name');
        }
        return org.insertTag(name);
      });
    },

    listTags: (): TagRow[] => org.listTags(),

    /** Replaces the user's tags with exactly these. */
    setUserTags(userId: number, tagIds: readonly number[]): UserRow {
      return identity.transaction(() => {
        const user = requireUser(userId);
        const wanted = requireExisting('tagIds', 'tag', tagIds, (ids) => org.findTags(ids));
        identity.setUserTags(userId, wanted);
        return user;
      });
    },

    createLeadGroup(input: { name: string; memberIds: readonly number[] }): LeadGroupRow {
      const name = requireText('name', input.name, 120);
      return identity.transaction(() => {
        const memberIds = requireUsers('memberIds', input.memberIds);
        requireFreeGroupName(name);
        const group = org.insertLeadGroup(name);
        org.setLeadGroupMembers(group.id, memberIds);
        return group;
      });
    },

    /** Changes the given fields; memberIds replaces the whole membership. */
    updateLeadGroup(id: number, input: LeadGroupInput): LeadGroupRow {
      const name = input.name != null ? requireText('name', input.name, 120) : null;
      return identity.transaction(() => {
        if (!org.findLeadGroup(id)) throw notFound('lead group');
        const memberIds = input.memberIds != null ? requireUsers('memberIds', input.memberIds) : null;
        if (name !== null) {
          requireFreeGroupName(name, id);
          org.updateLeadGroupName(id, name);
        }
        if (memberIds !== null) org.setLeadGroupMembers(id, memberIds);
        const group = org.findLeadGroup(id);
        if (!group) throw notFound('lead group');
        return group;
      });
    },

    listLeadGroups: (): LeadGroupRow[] => org.listLeadGroups(),

    /** Halts a user from now: no general leads until `until`, or until resumed when it is null. */
    haltUser(userId: number, input: HaltInput): UserRow {
      const now = clock.now();
      const until = input.until ?? null;
      if (until !== null && !(until.getTime() > now)) {
        throw badInput('until', `must be in the future, got ${until.toISOString()}`);
      }
      const reason = optionalText('reason', input.reason, 500);
      return identity.transaction(() => {
        requireUser(userId);
        const user = identity.updateUser(userId, { haltedAt: new Date(now), haltUntil: until, haltReason: reason });
        if (!user) throw notFound('user');
        return user;
      });
    },

    /** Ends a halt at once; resuming a user who is not halted changes nothing. */
    resumeUser(userId: number): UserRow {
      return identity.transaction(() => {
        requireUser(userId);
        const user = identity.updateUser(userId, { haltedAt: null, haltUntil: null, haltReason: null });
        if (!user) throw notFound('user');
        return user;
      });
    },

    /** A user's own switch: out of office means no general leads. */
    setAvailability(userId: number, inOffice: boolean): UserRow {
      const user = identity.updateUser(userId, { inOffice });
      if (!user) throw notFound('user');
      return user;
    },

    getSettings: (): SettingsRow => org.getSettings(),

    /** Changes the given rules; null or missing fields keep their value. */
    updateSettings(input: CompanySettingsPatch): SettingsRow {
      const patch: { agentsCanChangeOwner?: boolean; agentsCanChangeUsers?: boolean } = {};
      if (input.agentsCanChangeOwner != null) patch.agentsCanChangeOwner = input.agentsCanChangeOwner;
      if (input.agentsCanChangeUsers != null) patch.agentsCanChangeUsers = input.agentsCanChangeUsers;
      if (Object.keys(patch).length === 0) return org.getSettings();
      return org.updateSettings(patch);
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
