// Lead sources: where leads come in, and the routing rules each one carries.
import { randomBytes } from 'node:crypto';
import { badInput, notFound } from '../domain/errors.js';
import { MAX_RACE_AGENT_COUNT } from '../domain/routing.js';
import { intInRange, numberInRange, requireText } from '../domain/validation.js';
import type { Store, Stores } from '../store/port.js';
import type { LeadSourcePatch, LeadSourceWithOffices } from '../store/rows.js';
import { requireIds } from './existing-ids.js';

/** Windows longer than a week would leave a lead waiting on one agent for good. */
export const MAX_WINDOW_SECONDS = 7 * 24 * 60 * 60;

/**
 * The fields of a source. On create, a missing field takes its default (see SOURCE_DEFAULTS). On
 * update, a missing (null or undefined) field keeps its current value. `leadGroupId: ''` and
 * `thankYouUrl: ''` remove the lead group and the thank-you page; `officeIds: []` means every office.
 */
export interface LeadSourceInput {
  name?: string | null;
  allowDirectToUser?: boolean | null;
  directToUserAutoAccept?: boolean | null;
  directToUserWindowSeconds?: number | null;
  officeIds?: readonly number[] | null;
  /** A lead group id, or '' to remove the group. */
  leadGroupId?: number | '' | null;
  referralFeePercent?: number | null;
  acceptanceWindowSeconds?: number | null;
  raceAgentCount?: number | null;
  thankYouUrl?: string | null;
  /** Offer a lead with a postal code only to agents serving it. */
  matchServiceArea?: boolean | null;
  /** Rounds the service-area rule holds; 0 removes the limit (the rule holds every round). */
  widenAfterRounds?: number | null;
  /** Seconds, or 0 to remove the deadline. */
  contactDeadlineSeconds?: number | null;
  repeatLeadsToOwner?: boolean | null;
}

/** The most rounds widenAfterRounds may wait. */
export const MAX_WIDEN_AFTER_ROUNDS = 100;

/** The contract's defaults for a new source (officeIds: every office, leadGroupId: none). */
export const SOURCE_DEFAULTS = {
  allowDirectToUser: true,
  directToUserAutoAccept: true,
  directToUserWindowSeconds: 900,
  referralFeePercent: 0,
  acceptanceWindowSeconds: 900,
  raceAgentCount: 1,
  contactDeadlineSeconds: null,
  repeatLeadsToOwner: false,
} as const;

/** An unguessable key for public web forms: 24 random bytes. */
const newPublicKey = (): string => `src_${randomBytes(24).toString('base64url')}`;

function validateUrl(field: string, raw: string): string {
  const v = raw.trim();
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw badInput(field, `"${raw}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput(field, 'must be an http or https URL');
  if (v.length > 2000) throw badInput(field, 'must be at most 2000 characters');
  return url.toString();
}

export function createSourceService(deps: { store: Store }) {
  const { store } = deps;

  /** Checks the fields that need no database; returns the column patch of the fields given. */
  function scalarPatch(input: LeadSourceInput): LeadSourcePatch {
    const patch: LeadSourcePatch = {};
    if (input.name != null) patch.name = requireText('name', input.name, 120);
    if (input.allowDirectToUser != null) patch.allowDirectToUser = input.allowDirectToUser;
    if (input.directToUserAutoAccept != null) patch.directToUserAutoAccept = input.directToUserAutoAccept;
    if (input.directToUserWindowSeconds != null) {
      patch.directToUserWindowSeconds = intInRange('directToUserWindowSeconds', input.directToUserWindowSeconds,
        1, MAX_WINDOW_SECONDS, ' seconds');
    }
    if (input.acceptanceWindowSeconds != null) {
      patch.acceptanceWindowSeconds = intInRange('acceptanceWindowSeconds', input.acceptanceWindowSeconds,
        1, MAX_WINDOW_SECONDS, ' seconds');
    }
    if (input.raceAgentCount != null) {
      patch.raceAgentCount = intInRange('raceAgentCount', input.raceAgentCount, 1, MAX_RACE_AGENT_COUNT);
    }
    if (input.referralFeePercent != null) {
      patch.referralFeePercent = numberInRange('referralFeePercent', input.referralFeePercent, 0, 100);
    }
    if (input.matchServiceArea != null) patch.matchServiceArea = input.matchServiceArea;
    if (input.widenAfterRounds != null) {
      const rounds = intInRange('widenAfterRounds', input.widenAfterRounds, 0, MAX_WIDEN_AFTER_ROUNDS);
      patch.widenAfterRounds = rounds === 0 ? null : rounds;
    }
    if (input.contactDeadlineSeconds != null) {
      // 0 removes the deadline: null on update keeps the current value, as for every other field.
      patch.contactDeadlineSeconds = input.contactDeadlineSeconds === 0 ? null
        : intInRange('contactDeadlineSeconds', input.contactDeadlineSeconds, 1, MAX_WINDOW_SECONDS, ' seconds (or 0: no deadline)');
    }
    if (input.repeatLeadsToOwner != null) patch.repeatLeadsToOwner = input.repeatLeadsToOwner;
    if (input.thankYouUrl != null) {
      patch.thankYouUrl = input.thankYouUrl.trim() === '' ? null : validateUrl('thankYouUrl', input.thankYouUrl);
    }
    return patch;
  }

  const requireOffices = (tx: Stores, ids: readonly number[]): Promise<number[]> =>
    requireIds('officeIds', 'office', ids, (wanted) => tx.org.findOffices(wanted));

  async function leadGroupPatch(tx: Stores, raw: number | '' | null | undefined): Promise<{ leadGroupId?: number | null }> {
    if (raw == null) return {};
    if (raw === '') return { leadGroupId: null };
    if (!await tx.org.findLeadGroup(raw)) throw badInput('leadGroupId', `unknown lead group id ${raw}`);
    return { leadGroupId: raw };
  }

  async function freshKey(tx: Stores): Promise<string> {
    // 192 random bits do not collide in practice; the loop only keeps the unique index from throwing.
    for (;;) {
      const key = newPublicKey();
      if (!await tx.sources.publicKeyTaken(key)) return key;
    }
  }

  async function requireSource(stores: Stores, id: number): Promise<LeadSourceWithOffices> {
    const source = await stores.sources.findSource(id);
    if (!source) throw notFound('lead source');
    return source;
  }

  return {
    createLeadSource(input: LeadSourceInput): Promise<LeadSourceWithOffices> {
      const name = requireText('name', input.name ?? '', 120);
      const patch = scalarPatch(input);
      return store.transaction(async (tx) => {
        const officeIds = await requireOffices(tx, input.officeIds ?? []);
        const group = await leadGroupPatch(tx, input.leadGroupId);
        return tx.sources.insertSource({
          ...SOURCE_DEFAULTS,
          ...patch,
          name,
          ...group,
          publicKey: await freshKey(tx),
        }, officeIds);
      });
    },

    /** Replaces the fields given; the others keep their value. */
    updateLeadSource(id: number, input: LeadSourceInput): Promise<LeadSourceWithOffices> {
      const patch = scalarPatch(input);
      return store.transaction(async (tx) => {
        await requireSource(tx, id);
        const officeIds = input.officeIds != null ? await requireOffices(tx, input.officeIds) : null;
        const group = await leadGroupPatch(tx, input.leadGroupId);
        const updated = await tx.sources.updateSource(id, { ...patch, ...group }, officeIds);
        if (!updated) throw notFound('lead source');
        return updated;
      });
    },

    /** A new public key; forms still posting with the old one are refused from now on. */
    rotatePublicKey(id: number): Promise<LeadSourceWithOffices> {
      return store.transaction(async (tx) => {
        await requireSource(tx, id);
        const updated = await tx.sources.updateSource(id, { publicKey: await freshKey(tx) }, null);
        if (!updated) throw notFound('lead source');
        return updated;
      });
    },

    getLeadSource: (id: number): Promise<LeadSourceWithOffices> => requireSource(store, id),
    listLeadSources: (): Promise<LeadSourceWithOffices[]> => store.sources.listSources(),
  };
}

export type SourceService = ReturnType<typeof createSourceService>;
