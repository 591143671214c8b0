// An agent's screen, one column for a phone: availability, pending offers, then their leads.
import { useCallback, useState } from 'react';
import type { AgentLeadFragment } from '../../api/generated.js';
import { Availability } from './availability.js';
import { MyLeads, type Won } from './my-leads.js';
import { OffersSection } from './offers-section.js';

export function AgentHome() {
  const [won, setWon] = useState<Won | null>(null);
  // The ACCEPTED change that follows an Accept carries no lead: the one acceptOffer returned stays.
  const onWon = useCallback((lead: AgentLeadFragment | null, leadId: string) => {
    setWon((before) => (before?.leadId === leadId && !lead ? before : { leadId, lead }));
  }, []);
  return (
    <div className="agent-home">
      <Availability />
      <OffersSection onWon={onWon} />
      <MyLeads won={won} />
    </div>
  );
}
