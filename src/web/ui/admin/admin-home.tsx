// An admin's screens, one per tab (the URL's #fragment, so the back button and a bookmark work):
// the live lead board, the unassigned pool, agents, lead sources, and the dashboard.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Agents, LeadBoardEvents, Sources } from '../../api/operations.js';
import { useDebounced, useLoad } from '../hooks.js';
import { useSession } from '../session.js';
import { AdminDataContext, type AdminData, type BoardEvent } from './admin-data.js';
import { AgentsScreen } from './agents-screen.js';
import { Dashboard } from './dashboard.js';
import { LeadBoard } from './lead-board.js';
import { Pool } from './pool.js';
import { SourcesScreen } from './sources-screen.js';

const TABS = [
  { id: 'leads', label: 'Leads' },
  { id: 'pool', label: 'Unassigned pool' },
  { id: 'agents', label: 'Agents' },
  { id: 'sources', label: 'Lead sources' },
  { id: 'dashboard', label: 'Dashboard' },
] as const;
type Tab = (typeof TABS)[number]['id'];

function tabOf(hash: string): Tab {
  const id = hash.replace(/^#/, '');
  return TABS.find((t) => t.id === id)?.id ?? 'leads';
}

export function AdminHome() {
  const { api, live } = useSession();
  const [tab, setTab] = useState<Tab>(() => tabOf(location.hash));
  useEffect(() => {
    const onHash = () => setTab(tabOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  // Read again on each change of screen too: agents and sources change without a lead event (a new
  // agent, a halt, an agent going out of office).
  const users = useLoad(() => api.request(Agents, {}), `users ${tab}`);
  const sources = useLoad(() => api.request(Sources, {}), `sources ${tab}`);
  // Who is up next moves with every routed lead.
  const rereadSources = useDebounced(sources.reload, 1000);

  const listeners = useRef(new Set<(event: BoardEvent) => void>());
  const onLeadEvent = useCallback((listener: (event: BoardEvent) => void) => {
    listeners.current.add(listener);
    return () => { listeners.current.delete(listener); };
  }, []);
  useEffect(() => live.subscribe(LeadBoardEvents, {}, ({ leadEvents }) => {
    for (const listener of listeners.current) listener(leadEvents);
    rereadSources();
  }), [live, rereadSources]);

  const data = useMemo<AdminData>(() => ({ users, sources, onLeadEvent }), [users, sources, onLeadEvent]);
  return (
    <AdminDataContext.Provider value={data}>
      <nav className="tabs" aria-label="Admin screens">
        {TABS.map((t) => (
          <a key={t.id} href={`#${t.id}`} aria-current={tab === t.id ? 'page' : undefined}>{t.label}</a>
        ))}
      </nav>
      {tab === 'leads' && <LeadBoard />}
      {tab === 'pool' && <Pool />}
      {tab === 'agents' && <AgentsScreen />}
      {tab === 'sources' && <SourcesScreen />}
      {tab === 'dashboard' && <Dashboard />}
    </AdminDataContext.Provider>
  );
}
