// One lead in full for an admin: contact, owner and status, its offers, its history, and its routing
// trace ("why this agent": every agent considered in each round and why they were or were not
// offered it). Read again when one of its events arrives.
import { useEffect, useRef } from 'react';
import type { LeadDetailQuery } from '../../api/generated.js';
import { LeadDetail as LeadDetailQueryOp } from '../../api/operations.js';
import { useDebounced, useLoad, useServerNow } from '../hooks.js';
import { fullName, when } from '../format.js';
import { useSession } from '../session.js';
import { StateBadge } from '../state-badge.js';
import { useLeadEvents } from './admin-data.js';
import { AssignForm } from './assign-form.js';
import { eventText, REASON_ORDER, REASON_TEXT } from './event-text.js';

type Routing = NonNullable<LeadDetailQuery['lead']['routing']>;

/** The decisions of each round, in round order; in a round, the offered first (REASON_ORDER), then by name. */
function byRound(routing: Routing): [number, Routing][] {
  const rounds = new Map<number, Routing>();
  for (const decision of routing) rounds.set(decision.round, [...(rounds.get(decision.round) ?? []), decision]);
  const order = (a: Routing[number], b: Routing[number]) =>
    REASON_ORDER[a.reason].rank - REASON_ORDER[b.reason].rank || a.agent.name.localeCompare(b.agent.name);
  return [...rounds.entries()].sort((a, b) => a[0] - b[0]).map(([round, decisions]) => [round, [...decisions].sort(order)]);
}

function Decisions({ decisions }: { decisions: Routing }) {
  return (
    <ul>{decisions.map((d) => (
      <li key={d.agent.id} className={`reason reason-${d.reason.toLowerCase()}`}>
        <span className="decision-agent">{d.agent.name}</span>
        <span className="decision-why">{REASON_TEXT[d.reason]}</span>
      </li>
    ))}</ul>
  );
}

export function LeadDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const { api } = useSession();
  const detail = useLoad(() => api.request(LeadDetailQueryOp, { id }), id);
  const reread = useDebounced(detail.reload, 200);
  const now = useServerNow(30_000);
  const heading = useRef<HTMLHeadingElement>(null);
  useLeadEvents((event) => { if (event.lead.id === id) reread(); });
  useEffect(() => { heading.current?.focus(); }, [id, detail.data !== null]);

  const lead = detail.data?.lead;
  return (
    <section className="panel detail" id="lead-detail" aria-labelledby="lead-detail-title">
      <div className="detail-head">
        <h2 id="lead-detail-title" ref={heading} tabIndex={-1}>{lead ? fullName(lead) : 'Lead'}</h2>
        <button type="button" className="quiet small" onClick={onClose}>Close</button>
      </div>
      {detail.error && <p className="error" role="alert">{detail.error}</p>}
      {!lead ? <p aria-busy="true">Loading…</p> : (
        <>
          <dl className="facts">
            <dt>State</dt><dd><StateBadge state={lead.state} /></dd>
            <dt>Owner</dt><dd>{lead.owner?.name ?? '—'}{lead.users.length ? ` with ${lead.users.map((u) => u.name).join(', ')}` : ''}</dd>
            <dt>Source</dt><dd>{lead.source.name}{lead.kind === 'DIRECT_TO_USER' ? ' (direct)' : lead.kind === 'REPEAT' ? ' (returning client)' : ''}</dd>
            <dt>Status</dt><dd>{lead.status?.name ?? '—'}</dd>
            <dt>Received</dt><dd>{when(lead.createdAt, now)}</dd>
            {lead.phone && <><dt>Phone</dt><dd><a href={`tel:${lead.phone}`}>{lead.phone}</a></dd></>}
            {lead.email && <><dt>Email</dt><dd><a href={`mailto:${lead.email}`}>{lead.email}</a></dd></>}
            {lead.message && <><dt>Message</dt><dd className="message">{lead.message}</dd></>}
            {lead.referralFeePercent !== null && <><dt>Referral fee</dt><dd>{lead.referralFeePercent}%</dd></>}
          </dl>
          <AssignForm leadId={lead.id} leadName={fullName(lead)} onAssigned={() => detail.reload()} />

          <h3 id="routing-title">Why this agent</h3>
          {!lead.routing || lead.routing.length === 0
            ? <p className="empty">No routing rounds: {lead.kind === 'DIRECT_TO_USER' ? 'a direct lead goes to its agent.' : lead.kind === 'REPEAT' ? 'a returning client goes to their owner.' : 'the lead has not been routed yet.'}</p>
            : (
              <div className="routing" aria-labelledby="routing-title">
                {byRound(lead.routing).map(([round, decisions]) => {
                  const shown = decisions.filter((d) => !REASON_ORDER[d.reason].folded);
                  const folded = decisions.filter((d) => REASON_ORDER[d.reason].folded);
                  return (
                    <div key={round} className="round">
                      <h4>Round {round}</h4>
                      <Decisions decisions={shown} />
                      {folded.length > 0 && (
                        <details>
                          <summary>{folded.length} {folded.length === 1 ? 'agent' : 'agents'} not eligible for this source</summary>
                          <Decisions decisions={folded} />
                        </details>
                      )}
                    </div>
                  );
                })}
              </div>
            )}

          <h3>Offers</h3>
          {lead.offers.length === 0 ? <p className="empty">No offers.</p> : (
            <ul className="offer-list">{lead.offers.map((o) => (
              <li key={o.id}>Round {o.round}: {o.agent.name}, <span className={`offer-state offer-${o.state.toLowerCase()}`}>{o.state.toLowerCase()}</span>
                {o.respondedAt ? ` at ${when(o.respondedAt, now)}` : o.state === 'PENDING' ? ` until ${when(o.expiresAt, now)}` : ''}</li>
            ))}</ul>
          )}

          <h3>History</h3>
          <ol className="history">{lead.events.map((e) => (
            <li key={e.id}>
              <time dateTime={e.at}>{when(e.at, now)}</time> {eventText(e.type, e.agent)}
              {e.actor ? ` (by ${e.actor.name})` : ''}{e.note ? `: ${e.note}` : ''}
            </li>
          ))}</ol>
        </>
      )}
    </section>
  );
}
