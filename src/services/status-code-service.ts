// Status codes: admins name, order, archive them and choose the default that new leads get.
import { DomainError, ErrorCode, badInput, notFound } from '../domain/errors.js';
import { requireText } from '../domain/validation.js';
import type { StatusCodeRow, StatusStore } from '../store/sqlite/status-store.js';

export interface UpdateStatusCodeInput {
  name?: string | null;
  isDefault?: boolean | null;
  archived?: boolean | null;
}

export function createStatusCodeService(deps: { statusCodes: StatusStore }) {
  const store = deps.statusCodes;

  // Archived codes stay on old leads, so only the codes still in use must have distinct names.
  function requireFreeName(name: string, exceptId?: number): void {
    if (store.findActiveByName(name, exceptId)) {
      throw new DomainError(ErrorCode.CONFLICT, `name: a status code named "${name}" already exists`, 'name');
    }
  }

  return {
    list: (includeArchived: boolean): StatusCodeRow[] => store.listStatusCodes(includeArchived),

    /** A new code goes to the end of the list. */
    create(nameRaw: string): StatusCodeRow {
      const name = requireText('name', nameRaw, 80);
      return store.transaction(() => {
        requireFreeName(name);
        return store.insertStatusCodeLast(name);
      });
    },

    /**
     * Changes the given fields. There is always exactly one default, and it is never archived: the
     * default is changed by making another code the default, never by unsetting it.
     */
    update(id: number, input: UpdateStatusCodeInput): StatusCodeRow {
      const name = input.name != null ? requireText('name', input.name, 80) : null;
      return store.transaction(() => {
        const code = store.findStatusCode(id);
        if (!code) throw notFound('status code');
        const archived = input.archived ?? code.archived;
        const isDefault = input.isDefault ?? code.isDefault;
        if (code.isDefault && !isDefault) {
          throw badInput('isDefault', 'there must always be a default: make another code the default instead');
        }
        if (isDefault && archived) {
          throw badInput(input.archived ? 'archived' : 'isDefault', 'the default status code cannot be archived');
        }
        if (!archived) requireFreeName(name ?? code.name, id);
        store.updateStatusCode(id, {
          ...(name !== null ? { name } : {}),
          ...(input.archived != null ? { archived: input.archived } : {}),
        });
        if (isDefault && !code.isDefault) store.makeDefault(id);
        const updated = store.findStatusCode(id);
        if (!updated) throw notFound('status code');
        return updated;
      });
    },

    /** `ids` must name every code, archived ones included, exactly once; positions become 1..n. */
    reorder(ids: readonly number[]): StatusCodeRow[] {
      return store.transaction(() => {
        const all = store.listStatusCodes(true);
        const known = new Set(all.map((c) => c.id));
        const seen = new Set<number>();
        for (const id of ids) {
          if (!known.has(id)) throw badInput('ids', `unknown status code id ${id}`);
          if (seen.has(id)) throw badInput('ids', `status code ${id} is listed twice`);
          seen.add(id);
        }
        const left = all.filter((c) => !seen.has(c.id)).map((c) => c.id);
        if (left.length > 0) throw badInput('ids', `every status code must be listed; missing ${left.join(', ')}`);
        store.setPositions(ids);
        return store.listStatusCodes(true);
      });
    },
  };
}

export type StatusCodeService = ReturnType<typeof createStatusCodeService>;
