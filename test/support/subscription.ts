// Collects the events of a graphql-ws subscription so that tests can await the next one.
import type { Client, ExecutionResult } from 'graphql-ws';

export interface Subscription<T> {
  /** Resolves with the next event, or rejects after `ms` (a missing event is a test failure). */
  next(ms?: number): Promise<T>;
  /** Events received and not yet taken by next(). */
  readonly buffered: T[];
  /** Resolves when the server has acknowledged the subscription (first message or a short wait). */
  close(): void;
  /** The error that ended the subscription, if any. */
  error: unknown;
}

export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription<T> {
  const buffered: T[] = [];
  let waiter: ((v: T) => void) | null = null;
  let failer: ((e: unknown) => void) | null = null;
  const sub: Subscription<T> = {
    buffered,
    error: undefined,
    next(ms = 3000) {
      const ready = buffered.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (sub.error) return Promise.reject(sub.error);
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => { waiter = null; reject(new Error(`no subscription event within ${ms} ms`)); }, ms);
        waiter = (v) => { clearTimeout(t); waiter = null; resolve(v); };
        failer = (e) => { clearTimeout(t); waiter = null; reject(e); };
      });
    },
    close: () => unsubscribe(),
  };
  const unsubscribe = client.subscribe<T>({ query, variables }, {
    next: (result: ExecutionResult<T>) => {
      if (result.errors?.length) {
        sub.error = result.errors;
        failer?.(result.errors);
        return;
      }
      const data = result.data as T;
      if (waiter) waiter(data);
      else buffered.push(data);
    },
    error: (err) => { sub.error = err; failer?.(err); },
    complete: () => {},
  });
  return sub;
}
