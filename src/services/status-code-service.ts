// Status codes: admins name, order, archive them and choose the default that new leads get.
import { DomainError, ErrorCode, badInput, notFound } from '../domain/errors.js';
import { requireText } from '../domain/validation.js';
import type { Store, StatusStore } from '../store/port.js';
import type { StatusCodeRow } from '../store/rows.js';

export interface UpdateStatusCodeInput {
  name?: string | null;
  isDefault?: boolean | null;
  archived?: boolean | null;
}

export function createStatusCodeService(deps: { store: Store }) {
  const { store } = deps;

  // Archived codes stay on old leads, so only the codes still in use must have distinct names.
  async function requireFreeName(codes: StatusStore, name: string, exceptId?: number): Promise<void> {
    if (await codes.findActiveByName(name, exceptId)) {
      throw new DomainError(ErrorCode.CONFLICT, `name: a status code named "${name}" already exists`, 'name');
    }
  }

  /**
   * Every write to the list runs alone (PostgreSQL: an advisory lock taken first; SQLite has one writer
   * anyway). Only codes in use need distinct names, so no unique index settles that rule: it is this
   * service's check, and two admins creating or renaming at once could both pass it under READ
   * COMMITTED. Taking turns, the second is checked against what the first wrote. (Positions and the one
   * default are serialized by the store itself.)
   */
  const LIST_LOCK = { exclusive: 'status-codes' } as const;

  return {
    list: (includeArchived: boolean): Promise<StatusCodeRow[]> => store.statusCodes.listStatusCodes(includeArchived),

    /** A new code goes to the end of the list. */
    create(nameRaw: string): Promise<StatusCodeRow> {
      const name = requireText('name', nameRaw, 80);
      return store.transaction(async ({ statusCodes }) => {
        await requireFreeName(statusCodes, name);
        return statusCodes.insertStatusCodeLast(name);
      }, LIST_LOCK);
    },

    /**
     * Changes the given fields. There is always exactly one default, and it is never archived: the
     * default is changed by making another code the default, never by unsetting it.
     */
    update(id: number, input: UpdateStatusCodeInput): Promise<StatusCodeRow> {
      const name = input.name != null ? requireText('name', input.name, 80) : null;
      return store.transaction(async ({ statusCodes }) => {
        const code = await statusCodes.findStatusCode(id);
        if (!code) throw notFound('status code');
        const archived = input.archived ?? code.archived;
        const isDefault = input.isDefault ?? code.isDefault;
        if (code.isDefault && !isDefault) {
          throw badInput('isDefault', 'there must always be a default: make another code the default instead');
        }
        if (isDefault && archived) {
          throw badInput(input.archived ? 'archived' : 'isDefault', 'the default status code cannot be archived');
        }
        if (!archived) await requireFreeName(statusCodes, name ?? code.name, id);
        await statusCodes.updateStatusCode(id, {
          ...(name !== null ? { name } : {}),
          ...(input.archived != null ? { archived: input.archived } : {}),
        });
        if (isDefault && !code.isDefault) await statusCodes.makeDefault(id);
        const updated = await statusCodes.findStatusCode(id);
        if (!updated) throw notFound('status code');
        return updated;
      }, LIST_LOCK);
    },

    /** `ids` must name every code, archived ones included, exactly once; positions become 1..n. */
    reorder(ids: readonly number[]): Promise<StatusCodeRow[]> {
      return store.transaction(async ({ statusCodes }) => {
        const all = await statusCodes.listStatusCodes(true);
        const known = new Set(all.map((c) => c.id));
        const seen = new Set<number>();
        for (const id of ids) {
          if (!known.has(id)) throw badInput('ids', `unknown status code id ${id}`);
          if (seen.has(id)) throw badInput('ids', `status code ${id} is listed twice`);
          seen.add(id);
        }
        const left = all.filter((c) => !seen.has(c.id)).map((c) => c.id);
        if (left.length > 0) throw badInput('ids', `every status code must be listed; missing ${left.join(', ')}`);
        await statusCodes.setPositions(ids);
        return statusCodes.listStatusCodes(true);
      }, LIST_LOCK);
    },
  };
}

export type StatusCodeService = ReturnType<typeof createStatusCodeService>;
