// Per-request batch loaders: a list of 100 users asks for their offices in one query, not 100.
import DataLoader from 'dataloader';
import type { Services } from '../services/services.js';

export function createLoaders(services: Services) {
  const { identity, org, sources, statusCodes } = services.stores;
  const byId = <T extends { id: number }>(ids: readonly number[], rows: T[]): (T | null)[] => {
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  };
  const perId = <T>(ids: readonly number[], map: Map<number, T[]>): T[][] => ids.map((id) => map.get(id) ?? []);
  return {
    user: new DataLoader(async (ids: readonly number[]) => byId(ids, await identity.findUsers(ids))),
    office: new DataLoader(async (ids: readonly number[]) => byId(ids, await org.findOffices(ids))),
    leadGroup: new DataLoader(async (ids: readonly number[]) => byId(ids, await org.findLeadGroups(ids))),
    // Few sources and status codes exist; each is read once per request however many leads name it.
    leadSource: new DataLoader((ids: readonly number[]) => Promise.all(ids.map((id) => sources.findSource(id)))),
    statusCode: new DataLoader((ids: readonly number[]) => Promise.all(ids.map((id) => statusCodes.findStatusCode(id)))),
    userOfficeIds: new DataLoader(async (ids: readonly number[]) => perId(ids, await identity.officeIdsOfUsers(ids))),
    userTags: new DataLoader(async (ids: readonly number[]) => perId(ids, await identity.tagsOfUsers(ids))),
    groupMemberIds: new DataLoader(async (ids: readonly number[]) => perId(ids, await org.memberIdsOfGroups(ids))),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
