// Horizontal bars, one per item, drawn in SVG by this code: a label column on the left (cut to fit,
// the whole label in the bar's tooltip), bars scaled to the largest value, the value after each bar.
// Horizontal because labels (sources, agents) are long and a phone is narrow.
import { ChartFrame } from './chart-frame.js';
import { CHART } from './colors.js';
import { useWidth } from './use-width.js';

export interface Bar {
  label: string;
  value: number;
  /** A CSS colour; the chart's default otherwise. */
  color?: string;
}

const ROW = 30;
const BAR = 20;
const PAD = 6;
/** Average width of a character at the chart's font size, to cut labels that would overflow. */
const CHAR_PX = 7.5;

export function fitLabel(label: string, px: number): string {
  const max = Math.max(3, Math.floor(px / CHAR_PX));
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

export function BarChart({ title, bars, format = String, empty = 'Nothing to show yet.' }: {
  title: string;
  bars: Bar[];
  format?: (value: number) => string;
  empty?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const labelWidth = Math.min(180, Math.floor(width * 0.38));
  const valueWidth = 64;
  const plot = Math.max(20, width - labelWidth - valueWidth - PAD * 2);
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * ROW + PAD * 2;
  const summary = bars.length ? `${title}: ${bars.map((b) => `${b.label} ${format(b.value)}`).join(', ')}.` : `${title}: ${empty}`;
  return (
    <ChartFrame title={title} summary={summary}
      table={{ columns: ['', 'Value'], rows: bars.map((b) => ({ label: b.label, values: [format(b.value)] })) }}>
      {(a11y) => (
        <div ref={ref} className="chart-canvas">
          {bars.length === 0 ? <p className="empty">{empty}</p> : (
            <svg {...a11y} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
              {bars.map((bar, i) => {
                const y = PAD + i * ROW;
                const w = bar.value > 0 ? Math.max(2, (bar.value / max) * plot) : 0;
                return (
                  <g key={bar.label} className="bar" data-label={bar.label} data-value={bar.value}>
                    <title>{`${bar.label}: ${format(bar.value)}`}</title>
                    <text x={labelWidth - PAD} y={y + BAR / 2} textAnchor="end" dominantBaseline="central" className="label">
                      {fitLabel(bar.label, labelWidth - PAD)}
                    </text>
                    <rect x={labelWidth} y={y} width={w} height={BAR} rx={3} fill={bar.color ?? CHART.primary} />
                    <text x={labelWidth + w + PAD} y={y + BAR / 2} dominantBaseline="central" className="value">{format(bar.value)}</text>
                  </g>
                );
              })}
            </svg>
          )}
        </div>
      )}
    </ChartFrame>
  );
}
