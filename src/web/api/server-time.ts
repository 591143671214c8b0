// The server's time as this browser can tell it: offer windows are closed by the server's clock, so
// a countdown on a phone whose clock is off by minutes must count against the server's, not its own.
// Every API response's Date header gives the server's time to the second.

/** A difference under this is the Date header's rounding, not a wrong clock: ignored. */
const NOISE_MS = 2000;

let offsetMs = 0;

/** Records the Date header of a response that arrived just now. */
export function noteServerDate(dateHeader: string | null): void {
  const server = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  if (Number.isNaN(server)) return;
  // The header is truncated to the second: its middle is the better guess.
  const offset = server + 500 - Date.now();
  offsetMs = Math.abs(offset) < NOISE_MS ? 0 : offset;
}

/** Milliseconds since the epoch on the server's clock (as far as known). */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
