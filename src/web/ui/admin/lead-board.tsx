// The lead board: leads as they come in and move (state, owner, source), filtered and searched with
// the leads query, with a feed of what just happened and a lead's detail beside them. A lead event
// updates its row at once; the page of leads is read again shortly after (a burst of events, one
// read), so new leads appear and the filter still holds.
import { useEffect, useState } from 'react';
import type { LeadFilter, LeadState } from '../../api/generated.js';
import { LeadBoard as LeadBoardQuery } from '../../api/operations.js';
import { useDebounced, useLoad, useServerNow } from '../hooks.js';
import { ago, fullName, STATE_TEXT, when } from '../format.js';
import { useSession } from '../session.js';
import { StateBadge } from '../state-badge.js';
import { useAdminData, useLeadEvents, type BoardEvent, type BoardLead } from './admin-data.js';
import { eventText } from './event-text.js';
import { LeadDetail } from './lead-detail.js';

const PAGE = 50;
const FEED = 12;

interface Filters {
  search: string;
  state: LeadState | '';
  sourceId: string;
  ownerId: string;
}

function toFilter(f: Filters): LeadFilter {
  return {
    ...(f.search.trim() ? { search: f.search.trim() } : {}),
    ...(f.state ? { state: f.state } : {}),
    ...(f.sourceId ? { sourceId: f.sourceId } : {}),
    ...(f.ownerId ? { ownerId: f.ownerId } : {}),
  };
}

export function LeadBoard() {
  const { api } = useSession();
  const { users, sources } = useAdminData();
  const [filters, setFilters] = useState<Filters>({ search: '', state: '', sourceId: '', ownerId: '' });
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [rows, setRows] = useState<BoardLead[]>([]);
  const [moved, setMoved] = useState<ReadonlySet<string>>(new Set());
  const [feed, setFeed] = useState<BoardEvent[]>([]);
  const now = useServerNow(30_000);

  const filter = toFilter(filters);
  const board = useLoad(() => api.request(LeadBoardQuery, { filter, first: PAGE }), JSON.stringify(filter));
  const reread = useDebounced(board.reload, 250);
  useEffect(() => { if (board.data) setRows(board.data.leads.edges.map((e) => e.node)); }, [board.data]);

  // The search box reads as the user types, without a request per key.
  useEffect(() => {
    const id = setTimeout(() => setFilters((f) => (f.search === search ? f : { ...f, search })), 300);
    return () => clearTimeout(id);
  }, [search]);

  useLeadEvents((event) => {
    setRows((current) => current.map((row) => (row.id === event.lead.id ? event.lead : row)));
    setMoved((current) => new Set(current).add(event.lead.id));
    setTimeout(() => setMoved((current) => { const next = new Set(current); next.delete(event.lead.id); return next; }), 2500);
    setFeed((current) => [event, ...current.filter((e) => e.id !== event.id)].slice(0, FEED));
    reread();
  });

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const agents = (users.data?.users ?? []).filter((u) => u.role === 'AGENT');

  return (
    <div className="board">
      <section className="panel leads" aria-labelledby="leads-title">
        <h2 id="leads-title">Leads{board.data ? ` (${board.data.leads.totalCount})` : ''}</h2>
        <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <label><span>Search</span>
            <input type="search" value={search} placeholder="Name, email or phone" onChange={(e) => setSearch(e.target.value)} />
          </label>
          <label><span>State</span>
            <select value={filters.state} onChange={(e) => set('state', e.target.value as Filters['state'])}>
              <option value="">Any state</option>
              {(Object.keys(STATE_TEXT) as LeadState[]).map((s) => <option key={s} value={s}>{STATE_TEXT[s]}</option>)}
            </select>
          </label>
          <label><span>Source</span>
            <select value={filters.sourceId} onChange={(e) => set('sourceId', e.target.value)}>
              <option value="">Any source</option>
              {(sources.data?.leadSources ?? []).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
            </select>
          </label>
          <label><span>Owner</span>
            <select value={filters.ownerId} onChange={(e) => set('ownerId', e.target.value)}>
              <option value="">Any owner</option>
              {agents.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
            </select>
          </label>
        </form>
        {board.error && <p className="error" role="alert">{board.error}</p>}
        <div className="table-scroll">
          <table className="lead-table" aria-labelledby="leads-title" aria-busy={board.loading}>
            <thead>
              <tr><th scope="col">Lead</th><th scope="col">State</th><th scope="col">Owner</th><th scope="col">Source</th><th scope="col">Received</th></tr>
            </thead>
            <tbody>
              {rows.map((lead) => (
                <tr key={lead.id} data-lead-id={lead.id} className={`${moved.has(lead.id) ? 'moved' : ''}${selected === lead.id ? ' selected' : ''}`}>
                  <th scope="row">
                    <button type="button" className="link" aria-expanded={selected === lead.id} aria-controls="lead-detail"
                      onClick={() => setSelected(selected === lead.id ? null : lead.id)}>{fullName(lead)}</button>
                  </th>
                  <td><StateBadge state={lead.state} /></td>
                  <td>{lead.owner?.name ?? '—'}</td>
                  <td>{lead.source.name}</td>
                  <td><time dateTime={lead.createdAt} title={when(lead.createdAt, now)}>{ago(lead.createdAt, now)}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {board.data && rows.length === 0 && <p className="empty">No leads match.</p>}
        {board.data && board.data.leads.totalCount > rows.length && (
          <p className="hint">Showing the newest {rows.length} of {board.data.leads.totalCount}: narrow the filter to find older ones.</p>
        )}
      </section>
      <div className="side">
        {selected && <LeadDetail id={selected} onClose={() => setSelected(null)} />}
        <section className="panel" aria-labelledby="activity-title">
          <h2 id="activity-title">Just now</h2>
          {feed.length === 0
            ? <p className="empty">Lead activity appears here as it happens.</p>
            : <ol className="feed" aria-live="polite">{feed.map((e) => (
              <li key={e.id}>
                <time dateTime={e.at}>{when(e.at, now)}</time>{' '}
                <strong>{fullName(e.lead)}</strong> {eventText(e.type, e.agent)}
              </li>
            ))}</ol>}
        </section>
      </div>
    </div>
  );
}
