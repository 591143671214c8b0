// The leads an agent owns or works, with the contact details the API gives them, and the status
// they set. Read again whenever something happens to one of their leads (leadEvents: a win, an
// admin's reassignment) and on every live (re)connection.
import { useEffect, useRef, useState } from 'react';
import type { AgentLeadFragment } from '../../api/generated.js';
import { AgentLeadEvents, AgentLeads, SetLeadStatus, StatusCodes } from '../../api/operations.js';
import { errorText, useDebounced, useLoad, useServerNow } from '../hooks.js';
import { fullName, when } from '../format.js';
import { useSession } from '../session.js';

export interface Won {
  leadId: string;
  /** The lead as acceptOffer returned it, shown until the list is read again. */
  lead: AgentLeadFragment | null;
}

export function MyLeads({ won }: { won: Won | null }) {
  const { api, live } = useSession();
  const leads = useLoad(() => api.request(AgentLeads, {}), 'leads');
  const statuses = useLoad(() => api.request(StatusCodes, {}), 'statuses');
  const reread = useDebounced(leads.reload, 200);

  useEffect(() => live.subscribe(AgentLeadEvents, {}, reread), [live, reread]);
  useEffect(() => { if (won) reread(); }, [won, reread]);

  const listed = leads.data?.leads.edges.map((e) => e.node) ?? [];
  const shown = won?.lead && !listed.some((l) => l.id === won.leadId) ? [won.lead, ...listed] : listed;

  return (
    <section className="panel" aria-labelledby="my-leads-title">
      <h2 id="my-leads-title">My leads{leads.data ? ` (${leads.data.leads.totalCount})` : ''}</h2>
      {leads.error && <p className="error" role="alert">{leads.error}</p>}
      {leads.data && shown.length === 0 && <p className="empty">No leads yet. Leads you accept are listed here with their contact details.</p>}
      <ul className="lead-cards">
        {shown.map((lead) => (
          <LeadCard key={lead.id} lead={lead} focus={won?.leadId === lead.id}
            statuses={statuses.data?.statusCodes ?? []} />
        ))}
      </ul>
    </section>
  );
}

function LeadCard({ lead, focus, statuses }: { lead: AgentLeadFragment; focus: boolean; statuses: { id: string; name: string }[] }) {
  const { api } = useSession();
  const now = useServerNow(60_000);
  const [status, setStatus] = useState(lead.status?.id ?? '');
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => setStatus(lead.status?.id ?? ''), [lead.status?.id]);
  // A lead just won: the keyboard and screen reader move to it (its offer card is gone).
  useEffect(() => { if (focus) ref.current?.focus(); }, [focus]);

  async function changeStatus(statusCodeId: string) {
    const before = status;
    setStatus(statusCodeId);
    setError(null);
    try {
      await api.request(SetLeadStatus, { leadId: lead.id, statusCodeId });
    } catch (err) {
      setStatus(before);
      setError(errorText(err));
    }
  }

  const title = `lead-${lead.id}-title`;
  return (
    <li className={`lead-card${focus ? ' won' : ''}`} ref={ref} tabIndex={-1} aria-labelledby={title}>
      <h3 id={title}>{fullName(lead)}</h3>
      <p className="source">{lead.source.name} · received {when(lead.createdAt, now)}</p>
      <dl className="contact">
        {lead.phone && <><dt>Phone</dt><dd><a href={`tel:${lead.phone}`}>{lead.phone}</a></dd></>}
        {lead.email && <><dt>Email</dt><dd><a href={`mailto:${lead.email}`}>{lead.email}</a></dd></>}
        {lead.message && <><dt>Message</dt><dd className="message">{lead.message}</dd></>}
      </dl>
      <label className="inline">
        <span>Status</span>
        <select value={status} onChange={(e) => void changeStatus(e.target.value)}>
          {status === '' && <option value="">—</option>}
          {lead.status && !statuses.some((s) => s.id === lead.status?.id) && <option value={lead.status.id}>{lead.status.name}</option>}
          {statuses.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select>
      </label>
      {error && <p className="error" role="alert">{error}</p>}
    </li>
  );
}
