// Giving a lead to an agent by hand (setLeadOwner): from the unassigned pool, or any lead's detail.
import { useId, useState, type FormEvent } from 'react';
import { AssignLead } from '../../api/operations.js';
import { errorText } from '../hooks.js';
import { useSession } from '../session.js';
import { assignableAgents, useAdminData, type BoardLead } from './admin-data.js';

export function AssignForm({ leadId, leadName, onAssigned }: {
  leadId: string;
  leadName: string;
  onAssigned: (lead: BoardLead) => void;
}) {
  const { api } = useSession();
  const { users } = useAdminData();
  const [agentId, setAgentId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const agents = assignableAgents(users.data?.users ?? []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!agentId) return;
    setBusy(true);
    setError(null);
    try {
      const { setLeadOwner } = await api.request(AssignLead, { leadId, userId: agentId, note: 'assigned in the web app' });
      onAssigned(setLeadOwner);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="assign" onSubmit={(e) => void submit(e)} aria-label={`Assign ${leadName}`}>
      <label htmlFor={`${id}-agent`}>Agent</label>
      <select id={`${id}-agent`} required value={agentId} onChange={(e) => setAgentId(e.target.value)}>
        <option value="">Choose an agent…</option>
        {agents.map((a) => <option key={a.id} value={a.id}>{a.name}{a.inOffice ? '' : ' (out of office)'}</option>)}
      </select>
      <button type="submit" disabled={busy || !agentId}>Assign</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
