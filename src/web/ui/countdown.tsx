// The time left before an offer's window closes, counted on the server's clock (server-time.ts).
import { useServerNow } from './hooks.js';

/** "14:59", "1:02:03", "2 d 3 h": the shortest form that still moves every second when it matters. */
export function formatLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours}:${two(minutes)}:${two(seconds)}`;
  return `${minutes}:${two(seconds)}`;
}

export function Countdown({ until }: { until: string }) {
  const now = useServerNow();
  const left = Date.parse(until) - now;
  // Updated every second: not a live region (a screen reader would read it every second); the
  // offer's own description says when it closes.
  return (
    <span className={`countdown${left < 60_000 ? ' soon' : ''}`}>
      {left > 0 ? <><time dateTime={until}>{formatLeft(left)}</time> left</> : 'closing…'}
    </span>
  );
}
