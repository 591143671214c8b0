// Lead sources with their routing rules in brief and who is up next: the agents the next general
// lead would be offered to, in order (nextUp). Moves as leads are routed (admin-home.tsx re-reads).
import { useAdminData } from './admin-data.js';
import { duration } from '../format.js';

export function SourcesScreen() {
  const { sources } = useAdminData();
  const list = sources.data?.leadSources ?? [];
  return (
    <section className="panel" aria-labelledby="sources-title">
      <h2 id="sources-title">Lead sources</h2>
      {sources.error && <p className="error" role="alert">{sources.error}</p>}
      {sources.data && list.length === 0 && <p className="empty">No lead sources yet.</p>}
      <div className="table-scroll">
        <table>
          <thead><tr><th scope="col">Source</th><th scope="col">Offer window</th><th scope="col">Agents at once</th><th scope="col">Up next</th></tr></thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id} data-source-id={s.id}>
                <th scope="row">{s.name}</th>
                {/* These fields are admin-only, so nullable in the schema: null only if this screen were not an admin's. */}
                <td>{s.acceptanceWindowSeconds == null ? '—' : duration(s.acceptanceWindowSeconds)}</td>
                <td>{s.raceAgentCount ?? '—'}</td>
                <td>{!s.nextUp?.length ? <span className="empty">No eligible agent</span>
                  : <ol className="next-up">{s.nextUp.map((u) => <li key={u.id}>{u.name}</li>)}</ol>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
