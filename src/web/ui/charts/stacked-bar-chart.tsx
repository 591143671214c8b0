// Horizontal stacked bars in SVG: one row per item (an agent; or a single row for the whole
// brokerage), each split into series (accepted, declined, ...), with a legend. Rows share one scale,
// so a longer bar is more offers.
import { ChartFrame } from './chart-frame.js';
import { fitLabel } from './bar-chart.js';
import { useWidth } from './use-width.js';

export interface Series<K extends string> {
  key: K;
  label: string;
  color: string;
}

export interface StackedRow<K extends string> {
  label: string;
  values: Record<K, number>;
}

const ROW = 30;
const BAR = 20;
const PAD = 6;

export function StackedBarChart<K extends string>({ title, series, rows, empty = 'Nothing to show yet.' }: {
  title: string;
  series: Series<K>[];
  rows: StackedRow<K>[];
  empty?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const labelWidth = rows.length > 1 ? Math.min(180, Math.floor(width * 0.38)) : 0;
  const totalWidth = 48;
  const plot = Math.max(20, width - labelWidth - totalWidth - PAD * 2);
  const totals = rows.map((r) => series.reduce((sum, s) => sum + r.values[s.key], 0));
  const max = Math.max(1, ...totals);
  const height = rows.length * ROW + PAD * 2;
  const summary = rows.length
    ? `${title}: ${rows.map((r) => `${r.label}: ${series.map((s) => `${s.label} ${r.values[s.key]}`).join(', ')}`).join('; ')}.`
    : `${title}: ${empty}`;
  return (
    <ChartFrame title={title} summary={summary}
      table={{ columns: ['', ...series.map((s) => s.label)], rows: rows.map((r) => ({ label: r.label, values: series.map((s) => r.values[s.key]) })) }}>
      {(a11y) => (
        <div ref={ref} className="chart-canvas">
          {rows.length === 0 || totals.every((t) => t === 0) ? <p className="empty">{empty}</p> : (
            <>
              <ul className="legend" aria-hidden="true">
                {series.map((s) => (
                  <li key={s.key}><svg width="12" height="12" className="swatch"><rect width="12" height="12" rx="2" fill={s.color} /></svg>{s.label}</li>
                ))}
              </ul>
              <svg {...a11y} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
                {rows.map((row, i) => {
                  const y = PAD + i * ROW;
                  let x = labelWidth;
                  return (
                    <g key={row.label} className="row" data-label={row.label}>
                      {labelWidth > 0 && (
                        <text x={labelWidth - PAD} y={y + BAR / 2} textAnchor="end" dominantBaseline="central" className="label">
                          {fitLabel(row.label, labelWidth - PAD)}
                        </text>
                      )}
                      {series.map((s) => {
                        const value = row.values[s.key];
                        const w = (value / max) * plot;
                        const segment = (
                          <rect key={s.key} className="segment" data-series={s.key} data-value={value}
                            x={x} y={y} width={w} height={BAR} fill={s.color}>
                            <title>{`${row.label}: ${s.label} ${value}`}</title>
                          </rect>
                        );
                        x += w;
                        return value > 0 ? segment : null;
                      })}
                      <text x={x + PAD} y={y + BAR / 2} dominantBaseline="central" className="value">{totals[i]}</text>
                    </g>
                  );
                })}
              </svg>
            </>
          )}
        </div>
      )}
    </ChartFrame>
  );
}
