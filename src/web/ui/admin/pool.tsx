// The unassigned pool: leads no agent took (state UNASSIGNED), newest first, each with a way to give
// it to an agent by hand. Read again as leads move.
import { LeadBoard as LeadBoardQuery } from '../../api/operations.js';
import { useDebounced, useLoad, useServerNow } from '../hooks.js';
import { ago, fullName, when } from '../format.js';
import { useSession } from '../session.js';
import { useLeadEvents } from './admin-data.js';
import { AssignForm } from './assign-form.js';

export function Pool() {
  const { api } = useSession();
  const pool = useLoad(() => api.request(LeadBoardQuery, { filter: { state: 'UNASSIGNED' }, first: 100 }), 'pool');
  const reread = useDebounced(pool.reload, 250);
  useLeadEvents(reread);
  const now = useServerNow(30_000);
  const leads = pool.data?.leads.edges.map((e) => e.node) ?? [];

  return (
    <section className="panel" aria-labelledby="pool-title">
      <h2 id="pool-title">Unassigned pool{pool.data ? ` (${pool.data.leads.totalCount})` : ''}</h2>
      <p className="hint">Leads that no eligible agent accepted. Give each to an agent.</p>
      {pool.error && <p className="error" role="alert">{pool.error}</p>}
      {pool.data && leads.length === 0 && <p className="empty">The pool is empty.</p>}
      <ul className="pool">
        {leads.map((lead) => {
          const title = `pool-${lead.id}-title`;
          return (
            <li key={lead.id} className="pool-lead" aria-labelledby={title} data-lead-id={lead.id}>
              <div>
                <h3 id={title}>{fullName(lead)}</h3>
                <p className="source">{lead.source.name} · <time dateTime={lead.createdAt} title={when(lead.createdAt, now)}>{ago(lead.createdAt, now)}</time></p>
              </div>
              <AssignForm leadId={lead.id} leadName={fullName(lead)} onAssigned={() => pool.reload()} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
