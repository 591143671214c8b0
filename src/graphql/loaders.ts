// Per-request batch loaders: a list of 100 users asks for their offices in one query, not 100.
import DataLoader from 'dataloader';
import type { Services } from '../services/services.js';

export function createLoaders(services: Services) {
  const { identity, org } = services.stores;
  const byId = <T extends { id: number }>(ids: readonly number[], rows: T[]): (T | null)[] => {
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  };
  return {
    user: new DataLoader((ids: readonly number[]) => Promise.resolve(byId(ids, identity.findUsers(ids)))),
    office: new DataLoader((ids: readonly number[]) => Promise.resolve(byId(ids, org.findOffices(ids)))),
    leadGroup: new DataLoader((ids: readonly number[]) => Promise.resolve(byId(ids, org.findLeadGroups(ids)))),
    // Few sources and status codes exist; each is read once per request however many leads name it.
    leadSource: new DataLoader((ids: readonly number[]) =>
      Promise.resolve(ids.map((id) => services.stores.sources.findSource(id)))),
    statusCode: new DataLoader((ids: readonly number[]) =>
      Promise.resolve(ids.map((id) => services.stores.statusCodes.findStatusCode(id)))),
    userOfficeIds: new DataLoader((ids: readonly number[]) => {
      const map = identity.officeIdsOfUsers(ids);
      return Promise.resolve(ids.map((id) => map.get(id) ?? []));
    }),
    userTags: new DataLoader((ids: readonly number[]) => {
      const map = identity.tagsOfUsers(ids);
      return Promise.resolve(ids.map((id) => map.get(id) ?? []));
    }),
    groupMemberIds: new DataLoader((ids: readonly number[]) => {
      const map = org.memberIdsOfGroups(ids);
      return Promise.resolve(ids.map((id) => map.get(id) ?? []));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
