// The leads `npm run bench:leads` seeds, on either store: one generator, so that SQLite and PostgreSQL
// get the same rows in the same order (ids included) from the same repeatable pseudo-random sequence.
// What each store does with a row (prepared statements, batched arrays) is its seeder's business
// (lead-list-sqlite.ts, lead-list-postgres.ts); times here are epoch milliseconds, as SQLite keeps them.

export const DAY = 86_400_000;
/** The seeded leads span a year ending here, about one every 30 s at a million. */
export const END = Date.UTC(2026, 0, 5, 9);
export const START = END - 365 * DAY;
export const AGENTS = 100;
export const SOURCES = 8;
/** An offer's window, as a source's default acceptance window. */
const WINDOW = 900_000;

const FIRST = ['Dana', 'Ole', 'Maria', 'James', 'Wei', 'Aisha', 'Carlos', 'Emma', 'Noah', 'Priya', 'Liam', 'Sofia', 'Kenji', 'Fatima', 'Lucas'];
const LAST = ['Reyes', 'Brandt', 'Garcia', 'Smith', 'Chen', 'Khan', 'Lopez', 'Muller', 'Okafor', 'Patel', 'Nguyen', 'Rossi', 'Sato', 'Haddad', 'Silva'];

export type SeedLeadState = 'ROUTING' | 'ASSIGNED' | 'UNASSIGNED';
export type SeedOfferState = 'PENDING' | 'ACCEPTED' | 'DECLINED' | 'EXPIRED';

export interface SeedLead {
  id: number;
  sourceId: number;
  state: SeedLeadState;
  ownerId: number | null;
  statusCodeId: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  createdAt: number;
  assignedAt: number | null;
}

export interface SeedOffer {
  leadId: number;
  agentId: number;
  round: number;
  direct: boolean;
  state: SeedOfferState;
  offeredAt: number;
  expiresAt: number;
  respondedAt: number | null;
}

export interface SeedEvent {
  leadId: number;
  type: 'CREATED' | 'ASSIGNED';
  at: number;
  agentId: number | null;
}

export interface SeedLeadUser {
  leadId: number;
  userId: number;
}

/** One row to insert, named by its table. */
export type SeedRow =
  | { table: 'leads'; row: SeedLead }
  | { table: 'offers'; row: SeedOffer }
  | { table: 'lead_events'; row: SeedEvent }
  | { table: 'lead_users'; row: SeedLeadUser };

/** The users and status codes the leads point at, as the store numbered them. */
export interface SeedReferences {
  agentIds: readonly number[];
  /** In position order. */
  statusCodeIds: readonly number[];
}

/**
 * Makes `leads` leads with their offers, events and lead users, the same ones on every call, each lead before
 * its offers, events and users (a consumer may stop between leads, to commit a batch): the last 200
 * are still routing (one PENDING offer); of the rest about 80% were won (one in ten a direct lead,
 * auto-accepted; otherwise an ACCEPTED offer in round 2, after a DECLINED or EXPIRED one in round 1 for
 * three in ten; one in twenty with a second user) and the others expired unanswered.
 */
export function* generateLeads(leads: number, refs: SeedReferences): Generator<SeedRow> {
  // A repeatable pseudo-random sequence (mulberry32), started afresh on every call.
  let seed = 0x5eed;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const { agentIds, statusCodeIds } = refs;

  const step = (END - START) / leads;
  // Every draw below is made in the order this benchmark has always made it, so the data stays the one
  // README's figures were measured on.
  for (let id = 1; id <= leads; id++) {
    const at = Math.floor(START + id * step);
    /** An offer of this lead, made when the lead came in (the arguments draw left to right). */
    const offer = (agentId: number, round: number, direct: boolean, state: SeedOfferState, expiresAt: number,
      respondedAt: number | null): SeedRow => ({ table: 'offers', row: { leadId: id, agentId, round, direct, state, offeredAt: at, expiresAt, respondedAt } });
    const event = (type: SeedEvent['type'], agentId: number | null): SeedRow => ({ table: 'lead_events', row: { leadId: id, type, at, agentId } });

    const r = rand();
    const state: SeedLeadState = id > leads - 200 ? 'ROUTING' : r < 0.8 ? 'ASSIGNED' : 'UNASSIGNED';
    const owner = state === 'ASSIGNED' ? pick(agentIds) : null;
    const firstName = pick(FIRST);
    const lastName = pick(LAST);
    const sourceId = 1 + Math.floor(rand() * SOURCES);
    const statusCodeId = pick(statusCodeIds);
    yield {
      table: 'leads',
      row: {
        id, sourceId, state, ownerId: owner, statusCodeId, firstName, lastName,
        email: `${firstName}.${lastName}${id}@mail.example`.toLowerCase(), phone: `+1512${String(id).padStart(7, '0')}`,
        createdAt: at, assignedAt: owner ? at : null,
      },
    };
    yield event('CREATED', null);
    if (state === 'ASSIGNED' && owner !== null) {
      if (rand() < 0.1) {
        // A direct lead, auto-accepted: left out of the offer figures.
        yield offer(owner, 1, true, 'ACCEPTED', at, at);
      } else {
        if (rand() < 0.3) yield offer(pick(agentIds), 1, false, rand() < 0.5 ? 'DECLINED' : 'EXPIRED', at + WINDOW, at + Math.floor(rand() * WINDOW));
        yield offer(owner, 2, false, 'ACCEPTED', at + WINDOW, at + 5000 + Math.floor(rand() * 600_000));
      }
      yield event('ASSIGNED', owner);
      if (rand() < 0.05) yield { table: 'lead_users', row: { leadId: id, userId: pick(agentIds.filter((a) => a !== owner)) } };
    } else if (state === 'UNASSIGNED') {
      yield offer(pick(agentIds), 1, false, 'EXPIRED', at + WINDOW, at + WINDOW);
    } else {
      yield offer(pick(agentIds), 1, false, 'PENDING', END + WINDOW, null);
    }
  }
}
