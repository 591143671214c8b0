// The lead management dashboard (leadStats) as charts: leads by state and by source, how offers
// ended, each agent's offers and response time, and the time to accept. Read again as leads move.
import { useState } from 'react';
import { Dashboard as DashboardQuery } from '../../api/operations.js';
import { serverNow } from '../../api/server-time.js';
import { BarChart } from '../charts/bar-chart.js';
import { CHART, STATE_COLOR } from '../charts/colors.js';
import { StackedBarChart, type Series } from '../charts/stacked-bar-chart.js';
import { useDebounced, useLoad } from '../hooks.js';
import { duration, STATE_TEXT } from '../format.js';
import { useSession } from '../session.js';
import { useLeadEvents } from './admin-data.js';

const RANGES = [
  { id: '1d', label: 'Last 24 hours', days: 1 },
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: 'all', label: 'All time', days: null },
] as const;
type RangeId = (typeof RANGES)[number]['id'];

type Outcome = 'accepted' | 'declined' | 'expired' | 'taken' | 'pending';
const OUTCOMES: Series<Outcome>[] = [
  { key: 'accepted', label: 'Accepted', color: CHART.accepted },
  { key: 'declined', label: 'Declined', color: CHART.declined },
  { key: 'expired', label: 'Expired', color: CHART.expired },
  { key: 'taken', label: 'Taken', color: CHART.taken },
  { key: 'pending', label: 'Pending', color: CHART.pending },
];

export function Dashboard() {
  const { api } = useSession();
  const [range, setRange] = useState<RangeId>('30d');
  const days = RANGES.find((r) => r.id === range)?.days ?? null;
  const stats = useLoad(() => api.request(DashboardQuery, days === null ? {} : {
    from: new Date(serverNow() - days * 86_400_000).toISOString(),
  }), range);
  const reread = useDebounced(stats.reload, 2000);
  useLeadEvents(reread);
  const s = stats.data?.leadStats;

  return (
    <section className="panel dashboard" aria-labelledby="dashboard-title">
      <div className="detail-head">
        <h2 id="dashboard-title">Dashboard</h2>
        <label className="inline"><span>Range</span>
          <select value={range} onChange={(e) => setRange(e.target.value as RangeId)}>
            {RANGES.map((r) => <option key={r.id} value={r.id}>{r.label}</option>)}
          </select>
        </label>
      </div>
      {stats.error && <p className="error" role="alert">{stats.error}</p>}
      {!s ? <p aria-busy="true">Loading…</p> : (
        <>
          <dl className="tiles">
            <div><dt>Leads</dt><dd>{s.total}</dd></div>
            <div><dt>Offers made</dt><dd>{s.offers.made}</dd></div>
            <div><dt>Median time to accept</dt><dd>{s.medianSecondsToAccept === null ? '—' : duration(s.medianSecondsToAccept)}</dd></div>
            <div><dt>90% accepted within</dt><dd>{s.p90SecondsToAccept === null ? '—' : duration(s.p90SecondsToAccept)}</dd></div>
          </dl>
          <div className="charts">
            <BarChart title="Leads by state"
              bars={s.byState.map((b) => ({ label: STATE_TEXT[b.state], value: b.count, color: STATE_COLOR[b.state] }))} />
            <BarChart title="Leads by source" bars={s.bySource.map((b) => ({ label: b.source.name, value: b.count }))}
              empty="No leads in this range." />
            <StackedBarChart title="How offers ended" series={OUTCOMES}
              rows={[{ label: 'All offers', values: { accepted: s.offers.accepted, declined: s.offers.declined, expired: s.offers.expired, taken: s.offers.taken, pending: s.offers.pending } }]}
              empty="No offers in this range." />
            <StackedBarChart title="Offers per agent" series={OUTCOMES}
              rows={s.perAgent.map((a) => ({ label: a.agent.name, values: { accepted: a.accepted, declined: a.declined, expired: a.expired, taken: a.taken, pending: a.pending } }))}
              empty="No offers in this range." />
            <BarChart title="Median response time per agent" format={duration}
              bars={s.perAgent.filter((a) => a.medianResponseSeconds !== null).map((a) => ({ label: a.agent.name, value: a.medianResponseSeconds ?? 0 }))}
              empty="No answered offers in this range." />
          </div>
        </>
      )}
    </section>
  );
}
