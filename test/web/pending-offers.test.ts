// The merge rules of an agent's pending list in the web app (src/web/ui/agent/pending-offers.ts):
// the list read on (re)connection and the offers subscription's changes, in any order.
import { describe, expect, it } from 'vitest';
import { closeOffer, NO_OFFERS, offerEvent, offersRead, type AgentOffer } from '../../src/web/ui/agent/pending-offers.js';

function offer(id: string, firstName = `Lead ${id}`, expiresAt = `2026-01-05T09:${id.padStart(2, '0')}:00.000Z`): AgentOffer {
  return { id, state: 'PENDING', round: 1, offeredAt: '2026-01-05T09:00:00.000Z', expiresAt, lead: { id: `L${id}`, firstName, message: null, source: { id: 'S', name: 'Zillow' } } };
}
const ids = (offers: AgentOffer[]) => offers.map((o) => o.id);

describe('an agent\'s pending offers', () => {
  it('a read replaces the list, soonest to close first', () => {
    const state = offersRead(NO_OFFERS, [offer('2'), offer('1')], 0);
    expect(ids(state.offers)).toEqual(['1', '2']);
  });

  it('an offer received after a read was sent stays when that read answers without it', () => {
    const sentAt = NO_OFFERS.version;
    const received = offerEvent(NO_OFFERS, 'RECEIVED', offer('3'));
    const state = offersRead(received, [offer('1')], sentAt);
    expect(ids(state.offers)).toEqual(['1', '3']);
    expect(state.notes).toEqual([]);
  });

  it('an offer shown before a read was sent and missing from it closed unheard: it goes, with a note', () => {
    const shown = offersRead(NO_OFFERS, [offer('1')], 0);
    const state = offersRead(shown, [], shown.version);
    expect(state.offers).toEqual([]);
    expect(state.notes.map((n) => [n.offerId, n.kind])).toEqual([['1', 'closed']]);
  });

  it('a closed offer never comes back, whichever source still mentions it', () => {
    const taken = offerEvent(offersRead(NO_OFFERS, [offer('1', 'Rosa')], 0), 'TAKEN', offer('1', 'Rosa'));
    expect(taken.offers).toEqual([]);
    expect(taken.notes.map((n) => n.text)).toEqual(["Rosa's lead (Zillow) was taken by another agent."]);
    // A read sent before the change answers after it, and a RECEIVED delivered late.
    expect(offersRead(taken, [offer('1', 'Rosa')], 0).offers).toEqual([]);
    expect(offerEvent(taken, 'RECEIVED', offer('1', 'Rosa')).offers).toEqual([]);
  });

  it('each closed offer leaves one note: the first reason heard', () => {
    const shown = offersRead(NO_OFFERS, [offer('1', 'Dana')], 0);
    const won = closeOffer(shown, offer('1', 'Dana'), 'won');
    const again = offerEvent(won, 'ACCEPTED', offer('1', 'Dana'));
    expect(again.notes.map((n) => [n.kind, n.text])).toEqual([['won', "Dana's lead (Zillow) is yours: the contact details are in My leads."]]);
  });

  it('every closing change says why', () => {
    const state = [['2', 'DECLINED'], ['3', 'EXPIRED'], ['4', 'TAKEN'], ['5', 'ACCEPTED']].reduce(
      (s, [id, type]) => offerEvent(s, type as 'DECLINED', offer(id as string)),
      offersRead(NO_OFFERS, ['2', '3', '4', '5'].map((id) => offer(id)), 0));
    expect(state.offers).toEqual([]);
    expect(state.notes.map((n) => n.kind)).toEqual(['won', 'taken', 'expired', 'declined']);
  });
});
