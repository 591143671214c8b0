// Compile-time proof that this schema's rows are the port's rows (src/store/rows.ts): the row a
// table gives is exactly the port's row type, and every row the port hands in can be inserted.
// Nothing here runs; `tsc` fails on this file when schema.ts and rows.ts drift apart.
import type {
  LeadContactRow, NewLeadContact, LeadEventRow, LeadGroupRow, LeadRow, LeadSourceRow, NewApiToken, NewLead, NewLeadEvent, NewLeadSource,
  NewNotification, NewOffer, NewUser, NotificationRow, OfficeRow, OfferRow, SettingsRow, StatusCodeRow, TagRow, UserRow,
} from '../rows.js';
import type {
  apiTokens, leadContacts, leadEvents, leadGroups, leads, leadSources, notifications, offers, offices, settings, statusCodes, tags, users,
} from './schema.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Fits<A, B> = [A] extends [B] ? true : false;
type Holds<T extends true> = T;

export type SqliteRowsMatchThePort = [
  Holds<Same<typeof settings.$inferSelect, SettingsRow>>,
  Holds<Same<typeof offices.$inferSelect, OfficeRow>>,
  Holds<Same<typeof tags.$inferSelect, TagRow>>,
  Holds<Same<typeof leadGroups.$inferSelect, LeadGroupRow>>,
  Holds<Same<typeof users.$inferSelect, UserRow>>,
  Holds<Same<typeof leadSources.$inferSelect, LeadSourceRow>>,
  Holds<Same<typeof statusCodes.$inferSelect, StatusCodeRow>>,
  Holds<Same<typeof leads.$inferSelect, LeadRow>>,
  Holds<Same<typeof offers.$inferSelect, OfferRow>>,
  Holds<Same<typeof leadEvents.$inferSelect, LeadEventRow>>,
  Holds<Same<typeof notifications.$inferSelect, NotificationRow>>,
  Holds<Same<typeof leadContacts.$inferSelect, LeadContactRow>>,
  Holds<Fits<NewLeadContact, typeof leadContacts.$inferInsert>>,
  Holds<Fits<NewUser, typeof users.$inferInsert>>,
  Holds<Fits<NewApiToken, typeof apiTokens.$inferInsert>>,
  Holds<Fits<NewLeadSource, typeof leadSources.$inferInsert>>,
  Holds<Fits<NewLead, typeof leads.$inferInsert>>,
  Holds<Fits<NewOffer, typeof offers.$inferInsert>>,
  Holds<Fits<NewLeadEvent, typeof leadEvents.$inferInsert>>,
  Holds<Fits<NewNotification, typeof notifications.$inferInsert>>,
];
