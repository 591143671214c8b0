// Lead sources and the offices they route to: create, change, list, rotate the public key.
import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from './database.js';
import { clientOf } from './transaction.js';
import { preparedSelect } from './prepared-shapes.js';
import { leadSourceOffices, leadSources } from './schema.js';

type LeadSourceRow = typeof leadSources.$inferSelect;
type NewLeadSource = typeof leadSources.$inferInsert;
type LeadSourceWithOffices = LeadSourceRow & { officeIds: number[] };

export function createSourceStore(db: Db) {
  // Both lookups sit on the intake path (web forms post by key): prepared once.
  // (prepared-shapes.ts: run on the connection itself, without drizzle's per-call mapping.)
  const sourceById = preparedSelect(db, leadSources, 'WHERE id = ?');
  const sourceByKey = preparedSelect(db, leadSources, 'WHERE public_key = ?');
  const officeIdsOfSource = clientOf(db).prepare('SELECT office_id FROM lead_source_offices WHERE source_id = ? ORDER BY office_id').pluck();

  const withOffices = (row: LeadSourceRow | null): LeadSourceWithOffices | null =>
    row ? { ...row, officeIds: officeIdsOfSource.all(row.id) as number[] } : null;

  function setSourceOffices(sourceId: number, officeIds: readonly number[]): void {
    db.delete(leadSourceOffices).where(eq(leadSourceOffices.sourceId, sourceId)).run();
    if (officeIds.length > 0) {
      db.insert(leadSourceOffices).values(officeIds.map((officeId) => ({ sourceId, officeId }))).run();
    }
  }

  return {
    findSource: (id: number): LeadSourceWithOffices | null => withOffices(sourceById.get(id)),

    findSourceByPublicKey: (key: string): LeadSourceWithOffices | null => withOffices(sourceByKey.get(key)),

    publicKeyTaken: (key: string): boolean => sourceByKey.get(key) !== null,

    /** Every source by name, with their offices (two queries, whatever the number of sources). */
    listSources(): LeadSourceWithOffices[] {
      const rows = db.select().from(leadSources).orderBy(asc(leadSources.name), asc(leadSources.id)).all();
      if (rows.length === 0) return [];
      const links = db.select().from(leadSourceOffices)
        .where(inArray(leadSourceOffices.sourceId, rows.map((r) => r.id)))
        .orderBy(asc(leadSourceOffices.officeId)).all();
      const bySource = new Map<number, number[]>(rows.map((r) => [r.id, []]));
      for (const l of links) bySource.get(l.sourceId)?.push(l.officeId);
      return rows.map((r) => ({ ...r, officeIds: bySource.get(r.id) ?? [] }));
    },

    insertSource(row: NewLeadSource, officeIds: readonly number[]): LeadSourceWithOffices {
      const inserted = db.insert(leadSources).values(row).returning().get();
      setSourceOffices(inserted.id, officeIds);
      return { ...inserted, officeIds: [...officeIds] };
    },

    /** Applies the patch; officeIds null leaves the offices as they are. */
    updateSource(id: number, patch: Partial<NewLeadSource>, officeIds: readonly number[] | null): LeadSourceWithOffices | null {
      if (Object.keys(patch).length > 0) db.update(leadSources).set(patch).where(eq(leadSources.id, id)).run();
      if (officeIds !== null) setSourceOffices(id, officeIds);
      return withOffices(sourceById.get(id));
    },
  };
}

