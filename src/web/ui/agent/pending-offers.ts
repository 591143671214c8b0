// An agent's pending offers as the screen shows them, kept from two sources: the pending list read
// on each (re)connection (myOffers) and the offers subscription's changes. Pure, so that the merge
// rules read in one place:
// - an offer that closed (accepted, declined, expired, taken) never comes back, whichever source
//   still mentions it;
// - a read replaces the list, but an offer received after the read was sent stays (the read could
//   not have seen it);
// - each offer that closes leaves one note saying why.
import type { AgentOfferFragment, OfferEventType } from '../../api/generated.js';

export type AgentOffer = AgentOfferFragment;

export type NoteKind = 'won' | 'declined' | 'expired' | 'taken' | 'closed';

export interface OfferNote {
  offerId: string;
  kind: NoteKind;
  text: string;
}

export interface PendingOffers {
  offers: AgentOffer[];
  notes: OfferNote[];
  /** Ids of offers that closed: not shown again. */
  closed: ReadonlySet<string>;
  /** Counts changes received; a read remembers the value it was sent at. */
  version: number;
  /** When (version) each offer was received from the subscription. */
  receivedAt: ReadonlyMap<string, number>;
}

export const NO_OFFERS: PendingOffers = { offers: [], notes: [], closed: new Set(), version: 0, receivedAt: new Map() };

/** Notes kept on screen: the latest ones. */
const MAX_NOTES = 5;

/** Soonest to close first: what needs an answer first is on top. */
function ordered(offers: AgentOffer[]): AgentOffer[] {
  return [...offers].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id.localeCompare(b.id));
}

function whose(offer: AgentOffer): string {
  return `${offer.lead.firstName}'s lead (${offer.lead.source.name})`;
}

export function noteText(kind: NoteKind, offer: AgentOffer): string {
  switch (kind) {
    case 'won': return `${whose(offer)} is yours: the contact details are in My leads.`;
    case 'declined': return `You declined ${whose(offer)}.`;
    case 'expired': return `Your offer of ${whose(offer)} expired: its window closed.`;
    case 'taken': return `${whose(offer)} was taken by another agent.`;
    case 'closed': return `${whose(offer)} is no longer open: another agent took it or its window closed.`;
  }
}

const KIND_OF_EVENT: Record<Exclude<OfferEventType, 'RECEIVED'>, NoteKind> = {
  ACCEPTED: 'won',
  DECLINED: 'declined',
  EXPIRED: 'expired',
  TAKEN: 'taken',
};

/** Closes an offer: off the list, one note (the first reason heard wins; later ones say the same). */
export function closeOffer(state: PendingOffers, offer: AgentOffer, kind: NoteKind): PendingOffers {
  if (state.closed.has(offer.id)) return state;
  const closed = new Set(state.closed).add(offer.id);
  const shown = state.offers.find((o) => o.id === offer.id) ?? offer;
  return {
    ...state,
    offers: state.offers.filter((o) => o.id !== offer.id),
    closed,
    notes: [{ offerId: offer.id, kind, text: noteText(kind, shown) }, ...state.notes].slice(0, MAX_NOTES),
  };
}

/** A change from the offers subscription. */
export function offerEvent(state: PendingOffers, type: OfferEventType, offer: AgentOffer): PendingOffers {
  const version = state.version + 1;
  if (type !== 'RECEIVED') return closeOffer({ ...state, version }, offer, KIND_OF_EVENT[type]);
  if (state.closed.has(offer.id)) return { ...state, version };
  const receivedAt = new Map(state.receivedAt).set(offer.id, version);
  return { ...state, version, receivedAt, offers: ordered([...state.offers.filter((o) => o.id !== offer.id), offer]) };
}

/**
 * The pending list as read from the API, by a read sent when the state was at `sentAt` (version). An
 * offer shown before the read was sent and missing from it closed while its change was not heard
 * (the socket was down): it goes, with a note.
 */
export function offersRead(state: PendingOffers, read: AgentOffer[], sentAt: number): PendingOffers {
  const fromRead = read.filter((o) => !state.closed.has(o.id));
  const ids = new Set(fromRead.map((o) => o.id));
  const isNewer = (o: AgentOffer) => (state.receivedAt.get(o.id) ?? 0) > sentAt;
  const newer = state.offers.filter((o) => !ids.has(o.id) && isNewer(o));
  const gone = state.offers.filter((o) => !ids.has(o.id) && !isNewer(o));
  const kept = { ...state, offers: ordered([...fromRead, ...newer]) };
  return gone.reduce((s, o) => closeOffer(s, o, 'closed'), kept);
}

export function dismissNote(state: PendingOffers, offerId: string): PendingOffers {
  return { ...state, notes: state.notes.filter((n) => n.offerId !== offerId) };
}
