// What every chart has around its drawing: a caption, a one-line text summary for screen readers
// (the SVG's accessible description), and the same figures as a table behind "Show as table".
import { useId, type ReactNode } from 'react';

export interface ChartTable {
  columns: string[];
  rows: { label: string; values: (string | number)[] }[];
}

export function ChartFrame({ title, summary, table, children }: {
  title: string;
  summary: string;
  table: ChartTable;
  /** The SVG's content; gets the caption and the summary as its accessible name and description. */
  children: (a11y: { role: 'img'; 'aria-labelledby': string; 'aria-describedby': string }) => ReactNode;
}) {
  const id = useId();
  return (
    <figure className="chart">
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <p id={`${id}-summary`} className="sr-only">{summary}</p>
      {children({ role: 'img', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-summary` })}
      <details>
        <summary>Show as table</summary>
        <table>
          <thead><tr><th scope="col">{table.columns[0]}</th>{table.columns.slice(1).map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
          <tbody>{table.rows.map((row) => (
            <tr key={row.label}><th scope="row">{row.label}</th>{row.values.map((v, i) => <td key={i}>{v}</td>)}</tr>
          ))}</tbody>
        </table>
      </details>
    </figure>
  );
}
