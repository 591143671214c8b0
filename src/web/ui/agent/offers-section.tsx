// An agent's pending offers, live: the offers subscription adds and closes them, the pending list
// (myOffers) is read again on every (re)connection and when the page comes back into view (a phone
// that slept). Each offer shows the lead's first name, source and message, a countdown to its window
// closing, and Accept / Decline; an offer that closes leaves a note saying why.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/client.js';
import type { AgentLeadFragment } from '../../api/generated.js';
import { RESYNC_AGAIN_MS } from '../../api/live.js';
import { AcceptOffer, AgentOfferEvents, AgentOffers, DeclineOffer } from '../../api/operations.js';
import { Countdown } from '../countdown.js';
import { errorText, useServerNow } from '../hooks.js';
import { when } from '../format.js';
import { useSession } from '../session.js';
import { closeOffer, dismissNote, NO_OFFERS, offerEvent, offersRead, type AgentOffer, type PendingOffers } from './pending-offers.js';

export function OffersSection({ onWon }: { onWon: (lead: AgentLeadFragment | null, leadId: string) => void }) {
  const { api, live } = useSession();
  // The state lives in a ref (the merge needs the version a read was sent at, which a render may
  // not have caught up with yet); the copy in React state is what renders.
  const current = useRef<PendingOffers>(NO_OFFERS);
  const [view, setView] = useState<PendingOffers>(NO_OFFERS);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [arrived, setArrived] = useState('');
  const reads = useRef({ sent: 0, applied: 0 });
  const onWonRef = useRef(onWon);
  onWonRef.current = onWon;

  const apply = useCallback((change: (state: PendingOffers) => PendingOffers) => {
    current.current = change(current.current);
    setView(current.current);
  }, []);

  const read = useCallback(() => {
    const sentAt = current.current.version;
    const seq = ++reads.current.sent;
    api.request(AgentOffers, {}).then(
      (data) => {
        // An older read answered after a newer one: it knows less.
        if (seq < reads.current.applied) return;
        reads.current.applied = seq;
        apply((state) => offersRead(state, data.myOffers, sentAt));
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [api, apply]);

  useEffect(() => {
    const stop = live.subscribe(AgentOfferEvents, {}, ({ offers: { type, offer } }) => {
      apply((state) => offerEvent(state, type, offer));
      if (type === 'RECEIVED') setArrived(`New offer: ${offer.lead.firstName}'s lead (${offer.lead.source.name}).`);
      // Accepted elsewhere (the SMS or email link, another device) or given by an admin.
      if (type === 'ACCEPTED') onWonRef.current(null, offer.lead.id);
    });
    return stop;
  }, [live, apply]);

  useEffect(() => {
    read();
    // The subscription just sent may not be registered on the server yet (live.ts): once more soon.
    const again = setTimeout(read, RESYNC_AGAIN_MS);
    const removeListener = live.onConnected(read);
    const onVisible = () => { if (document.visibilityState === 'visible') read(); };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearTimeout(again);
      removeListener();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [live, read]);

  // The tab's title counts what waits for an answer.
  const count = view.offers.length;
  useEffect(() => {
    document.title = count > 0 ? `(${count}) leadrace` : 'leadrace';
  }, [count]);

  async function answer(offer: AgentOffer, accept: boolean) {
    setBusy(offer.id);
    setError(null);
    try {
      if (accept) {
        const { acceptOffer } = await api.request(AcceptOffer, { offerId: offer.id });
        apply((state) => closeOffer(state, offer, 'won'));
        onWonRef.current(acceptOffer.lead, acceptOffer.lead.id);
      } else {
        await api.request(DeclineOffer, { offerId: offer.id });
        apply((state) => closeOffer(state, offer, 'declined'));
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'OFFER_CLOSED') apply((state) => closeOffer(state, offer, 'closed'));
      else setError(errorText(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="panel" aria-labelledby="offers-title">
      <h2 id="offers-title">Pending offers{count > 0 ? ` (${count})` : ''}</h2>
      <p className="sr-only" role="status">{arrived}</p>
      <div className="notes" role="status" aria-live="polite">
        {view.notes.map((note) => (
          <p key={note.offerId} className={`note note-${note.kind}`}>
            <span>{note.text}</span>
            <button type="button" className="quiet small" aria-label="Dismiss note"
              onClick={() => apply((state) => dismissNote(state, note.offerId))}>×</button>
          </p>
        ))}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {count === 0
        ? <p className="empty">No offers waiting. New ones appear here as they come in.</p>
        : <ul className="offers">{view.offers.map((offer) => (
          <OfferCard key={offer.id} offer={offer} busy={busy === offer.id} onAnswer={(accept) => void answer(offer, accept)} />
        ))}</ul>}
    </section>
  );
}

function OfferCard({ offer, busy, onAnswer }: { offer: AgentOffer; busy: boolean; onAnswer: (accept: boolean) => void }) {
  const now = useServerNow(30_000);
  const title = `offer-${offer.id}-title`;
  const closes = `offer-${offer.id}-closes`;
  return (
    <li className="offer" aria-labelledby={title}>
      <div className="offer-head">
        <h3 id={title}>{offer.lead.firstName}</h3>
        <Countdown until={offer.expiresAt} />
      </div>
      <p className="source">{offer.lead.source.name}{offer.round > 1 ? ` · round ${offer.round}` : ''}</p>
      {offer.lead.message && <p className="message">{offer.lead.message}</p>}
      <p className="closes" id={closes}>Answer by {when(offer.expiresAt, now)}.</p>
      <div className="actions">
        <button type="button" className="accept" disabled={busy} aria-describedby={`${title} ${closes}`} onClick={() => onAnswer(true)}>Accept</button>
        <button type="button" className="decline" disabled={busy} aria-describedby={title} onClick={() => onAnswer(false)}>Decline</button>
      </div>
    </li>
  );
}
