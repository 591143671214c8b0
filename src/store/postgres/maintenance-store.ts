// Rewrites phones stored before phones were kept in E.164, on PostgreSQL (SQLite's, with the story of
// why, is ../sqlite/maintenance-store.ts). Only rows whose phone lacks the "+" are touched, so running it
// again changes nothing; a stored value the parser cannot read is left as it was and counted.
//
// Several instances may start at once on one database. The rows to rewrite are read FOR UPDATE: a
// second instance waits for the first's commit, then (READ COMMITTED re-checks a locked row) finds
// those phones rewritten and leaves them out, so each phone is rewritten, and counted, once.
import { sql } from 'drizzle-orm';
import { toE164, type PhoneRegion } from '../../domain/phone.js';
import type { MaintenanceStore, PhoneRewrite } from '../port.js';
import type { PgContext } from './context.js';

/** Phones per UPDATE (two parameters each). */
const REWRITES_PER_STATEMENT = 5000;

export function createMaintenanceStore(ctx: PgContext): MaintenanceStore {
  return {
    rewriteStoredPhones: async (region: PhoneRegion): Promise<PhoneRewrite> => ctx.atomically(async (tx) => {
      const result: PhoneRewrite = { rewritten: 0, unreadable: 0 };
      // Users before leads, each in id order: the order any two of these passes lock rows in.
      for (const table of ['users', 'leads'] as const) {
        const { rows } = await tx.db.execute<{ id: number; phone: string }>(sql`SELECT id, phone FROM ${sql.identifier(table)}
          WHERE phone IS NOT NULL AND substr(phone, 1, 1) <> '+' ORDER BY id FOR UPDATE`);
        const rewrites: [number, string][] = [];
        for (const row of rows) {
          const e164 = toE164(row.phone, region);
          if (e164 === null) result.unreadable++;
          else rewrites.push([row.id, e164]);
        }
        if (rewrites.length === 0) continue;
        // Multi-row statements, each within PostgreSQL's 65,535 parameters.
        for (let i = 0; i < rewrites.length; i += REWRITES_PER_STATEMENT) {
          const values = rewrites.slice(i, i + REWRITES_PER_STATEMENT).map(([id, phone]) => sql`(${id}::int, ${phone}::text)`);
          await tx.db.execute(sql`UPDATE ${sql.identifier(table)} AS t SET phone = v.phone
            FROM (VALUES ${sql.join(values, sql`, `)}) AS v(id, phone) WHERE t.id = v.id`);
        }
        result.rewritten += rewrites.length;
        // A user's phone is not in the roster today; the call keeps the rule "every write to users
        // tells the roster" without this file having to know what the roster holds.
        if (table === 'users') await tx.rosterChanged();
      }
      return result;
    }),
  };
}
