// Rewrites phones stored before phones were kept in E.164. Those were the digits alone when typed
// without a "+" ("(512) 555-0143" became 5125550143) and +digits otherwise, so the same person could
// have two numbers and an SMS provider refused the first kind. The country of the bare ones is
// DEFAULT_PHONE_REGION, which only the running server knows: this is code run at start, not a SQL
// migration. Only rows whose phone lacks the "+" are touched, so running it again changes nothing;
// a stored value the parser cannot read is left as it was (nothing is lost) and counted.
import { sql } from 'drizzle-orm';
import { toE164, type PhoneRegion } from '../../domain/phone.js';
import type { PhoneRewrite } from '../port.js';
import type { Db } from './database.js';

/** Start-up repairs of rows written by older versions (the port's MaintenanceStore). */
export function createMaintenanceStore(db: Db) {
  return {
    rewriteStoredPhones: (region: PhoneRegion): PhoneRewrite => rewriteStoredPhones(db, region),
  };
}

/** One transaction over users and leads. */
function rewriteStoredPhones(db: Db, region: PhoneRegion): PhoneRewrite {
  const result: PhoneRewrite = { rewritten: 0, unreadable: 0 };
  db.transaction((tx) => {
    for (const table of ['users', 'leads'] as const) {
      const rows = tx.all<{ id: number; phone: string }>(
        sql`SELECT id, phone FROM ${sql.identifier(table)} WHERE phone IS NOT NULL AND substr(phone, 1, 1) <> '+'`);
      for (const row of rows) {
        const e164 = toE164(row.phone, region);
        if (e164 === null) {
          result.unreadable++;
          continue;
        }
        tx.run(sql`UPDATE ${sql.identifier(table)} SET phone = ${e164} WHERE id = ${row.id}`);
        result.rewritten++;
      }
    }
  });
  return result;
}
