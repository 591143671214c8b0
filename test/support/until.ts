// Waits for a condition that another process or an async worker will make true, polling without
// asserting anything about how long it takes (tests never assert durations).
export async function until<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, what = 'condition'): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 400; i++) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
