// What the admin screens share: one leadEvents subscription for the whole page, handed to every
// screen that listens (the board, the pool, a lead's detail, the dashboard), and the agents and
// sources lists that several screens choose from.
import { createContext, useContext, useEffect, useRef } from 'react';
import type { AgentsQuery, LeadBoardEventsSubscription, SourcesQuery } from '../../api/generated.js';
import type { Loaded } from '../hooks.js';

export type BoardEvent = LeadBoardEventsSubscription['leadEvents'];
export type BoardLead = BoardEvent['lead'];
export type AdminUser = AgentsQuery['users'][number];
export type Source = SourcesQuery['leadSources'][number];

export interface AdminData {
  users: Loaded<AgentsQuery>;
  sources: Loaded<SourcesQuery>;
  /** Adds a listener for every lead event; returns a function that removes it. */
  onLeadEvent(listener: (event: BoardEvent) => void): () => void;
}

export const AdminDataContext = createContext<AdminData | null>(null);

export function useAdminData(): AdminData {
  const data = useContext(AdminDataContext);
  if (!data) throw new Error('useAdminData outside the admin screens');
  return data;
}

/** Runs `listener` on every lead event while the component is mounted (the latest `listener`). */
export function useLeadEvents(listener: (event: BoardEvent) => void): void {
  const { onLeadEvent } = useAdminData();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => onLeadEvent((event) => ref.current(event)), [onLeadEvent]);
}

/** Active agents, by name: who a lead can be given to. */
export function assignableAgents(users: AdminUser[]): AdminUser[] {
  return users.filter((u) => u.role === 'AGENT' && u.active).sort((a, b) => a.name.localeCompare(b.name));
}
