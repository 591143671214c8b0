// Agents with their availability (in or out of office, set by the agent) and halts (set by an admin:
// no general leads until a date, or until resumed). Halting and resuming happen here.
import { useId, useState, type FormEvent } from 'react';
import { HaltAgent, ResumeAgent } from '../../api/operations.js';
import { errorText, useServerNow } from '../hooks.js';
import { when } from '../format.js';
import { useSession } from '../session.js';
import { useAdminData, type AdminUser } from './admin-data.js';

export function AgentsScreen() {
  const { users } = useAdminData();
  const agents = (users.data?.users ?? []).filter((u) => u.role === 'AGENT').sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section className="panel" aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      {users.error && <p className="error" role="alert">{users.error}</p>}
      {users.data && agents.length === 0 && <p className="empty">No agents yet.</p>}
      <div className="table-scroll">
        <table>
          <thead><tr><th scope="col">Agent</th><th scope="col">Offices</th><th scope="col">Availability</th><th scope="col">Halt</th></tr></thead>
          <tbody>{agents.map((a) => <AgentRow key={a.id} agent={a} onChanged={users.reload} />)}</tbody>
        </table>
      </div>
    </section>
  );
}

function AgentRow({ agent, onChanged }: { agent: AdminUser; onChanged: () => void }) {
  const { api } = useSession();
  const now = useServerNow(60_000);
  const [halting, setHalting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function resume() {
    setError(null);
    try {
      await api.request(ResumeAgent, { userId: agent.id });
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <tr data-user-id={agent.id}>
      <th scope="row">{agent.name}{agent.active ? '' : ' (deactivated)'}<div className="sub">{agent.email}</div></th>
      <td>{agent.offices.map((o) => o.name).join(', ') || 'All offices'}</td>
      <td>{agent.inOffice ? <span className="badge in-office">In office</span> : <span className="badge out-of-office">Out of office</span>}</td>
      <td>
        {agent.halt ? (
          <>
            <span className="badge halted">Halted</span>{' '}
            {agent.halt.until ? `until ${when(agent.halt.until, now)}` : 'until resumed'}
            {agent.halt.reason ? ` (${agent.halt.reason})` : ''}{' '}
            <button type="button" className="small" onClick={() => void resume()}>Resume {agent.name}</button>
          </>
        ) : halting
          ? <HaltForm agent={agent} onDone={() => { setHalting(false); onChanged(); }} onCancel={() => setHalting(false)} />
          : <button type="button" className="small" onClick={() => setHalting(true)}>Halt {agent.name}</button>}
        {error && <p className="error" role="alert">{error}</p>}
      </td>
    </tr>
  );
}

function HaltForm({ agent, onDone, onCancel }: { agent: AdminUser; onDone: () => void; onCancel: () => void }) {
  const { api } = useSession();
  const id = useId();
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      // datetime-local is the browser's local time; the API takes an instant.
      await api.request(HaltAgent, { userId: agent.id, reason: reason.trim() || null, until: until ? new Date(until).toISOString() : null });
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <form className="halt-form" onSubmit={(e) => void submit(e)} aria-label={`Halt ${agent.name}`}>
      <label htmlFor={`${id}-reason`}>Reason</label>
      <input id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Vacation" />
      <label htmlFor={`${id}-until`}>Until (empty: until resumed)</label>
      <input id={`${id}-until`} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
      <div className="actions">
        <button type="submit">Halt</button>
        <button type="button" className="quiet" onClick={onCancel}>Cancel</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
