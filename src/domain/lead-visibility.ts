// What each caller sees of a lead, field by field: decided here and only here. leadAccess
// (routing.ts) says how a signed-in viewer stands to a lead; this says what each standing shows.
// The GraphQL layer applies it to every Lead it resolves (graphql/field-access.ts).

/**
 * FULL: admins, the lead's owner and users. LIMITED: an agent who was offered the lead. RECEIPT:
 * whoever submitted it but may not otherwise see it (a web form; a second submission with the same
 * externalId): that the lead was received, nothing about the person or who works it.
 */
export type LeadVisibility = 'FULL' | 'LIMITED' | 'RECEIPT';

const RANK: Record<LeadVisibility, number> = { RECEIPT: 0, LIMITED: 1, FULL: 2 };

/**
 * The least visibility that shows each field of a lead. RECEIPT fields are what a web form needs
 * back (the contract's SubmitLead: id kind state createdAt). kind and state are shown to it: a form
 * chose kind itself (targetUserId), a retried submission must get the same answer as the first, and
 * neither names a person or an agent. A field not named here is shown to nobody: the server refuses
 * to start with a Lead field this table does not name.
 */
export const LEAD_FIELD_VISIBILITY: Readonly<Record<string, LeadVisibility>> = {
  id: 'RECEIPT',
  kind: 'RECEIPT',
  state: 'RECEIPT',
  createdAt: 'RECEIPT',
  contactHidden: 'RECEIPT',
  // An agent deciding whether to accept: who, what they said, where from, and the agent's own offers.
  firstName: 'LIMITED',
  message: 'LIMITED',
  // An area, not a person: what an agent weighs before accepting (and what service areas match).
  postalCode: 'LIMITED',
  // About the property, not the person: what the lead is worth to the agent weighing it. A listing's
  // price is public; with the address hidden it does not point to anyone's home.
  price: 'LIMITED',
  source: 'LIMITED',
  status: 'LIMITED',
  round: 'LIMITED',
  offers: 'LIMITED',
  // Contact details and who works the lead: only those who work it.
  lastName: 'FULL',
  email: 'FULL',
  phone: 'FULL',
  // Contact-like: the property may be the client's own home (a seller's lead).
  propertyAddress: 'FULL',
  referralFeePercent: 'FULL',
  owner: 'FULL',
  users: 'FULL',
  events: 'FULL',
  routing: 'FULL',
  // Working the lead: who reached the client, when, and what they noted; the client's earlier lead.
  lastContactAt: 'FULL',
  contacts: 'FULL',
  repeatOf: 'FULL',
};

/** Whether a caller with this visibility sees the field (false for a field the table does not name). */
export function leadFieldVisible(visibility: LeadVisibility, field: string): boolean {
  const least = LEAD_FIELD_VISIBILITY[field];
  return least !== undefined && RANK[visibility] >= RANK[least];
}
