// A plain HTTP client for the attacks, on node:http with a fresh connection per request
// (`agent: false`, so `Connection: close`): no keep-alive socket of the script's own lingers on the
// server, so the per-address connection cap sees exactly the connections an attack opens. Every
// request is timed and may come from a chosen local address (127.0.0.2 is another peer to the
// server) or carry an X-Forwarded-For address (the server runs with TRUST_PROXY=true, so each
// attack can have abuse-limit buckets of its own).
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Connect from this local address (default: the OS's choice, 127.0.0.1). */
  localAddress?: string;
  /** Give up (reject) after this long; default 120 s, longer than any attack should take. */
  timeoutMs?: number;
}

export function httpRequest(url: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const body = options.body ?? '';
    const req = request(url, {
      method: options.method ?? (body ? 'POST' : 'GET'),
      agent: false,
      localAddress: options.localAddress,
      headers: { ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...options.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        ms: performance.now() - started,
      }));
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 120_000, () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 120_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface GqlError {
  message: string;
  code: string | null;
  path: string | null;
}

export interface GqlAnswer<T> {
  status: number;
  ms: number;
  data: T | null;
  errors: GqlError[];
  /** The raw answer, for checks that a value appears nowhere in it. */
  text: string;
}

export interface GqlOptions {
  token?: string;
  /** Sent as X-Forwarded-For: the client address the server counts abuse limits against. */
  from?: string;
  /** Give up after this long (default: httpRequest's). */
  timeoutMs?: number;
}

/** POST /graphql; never throws on GraphQL errors or non-2xx answers (the attacks read them). */
export async function gql<T = Record<string, unknown>>(baseUrl: string, query: string, variables: Record<string, unknown> = {},
  options: GqlOptions = {}): Promise<GqlAnswer<T>> {
  const answer = await httpRequest(`${baseUrl}/graphql`, {
    body: JSON.stringify({ query, variables }),
    timeoutMs: options.timeoutMs,
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.from ? { 'x-forwarded-for': options.from } : {}),
    },
  });
  let parsed: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] } = {};
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    // Not JSON (a 413 or a proxy page): the status and text say what happened.
  }
  return {
    status: answer.status,
    ms: answer.ms,
    data: parsed.data ?? null,
    errors: (parsed.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code ?? null, path: e.path?.join('.') ?? null })),
    text: answer.body,
  };
}

/** Like gql, but throws unless the answer has data and no errors: for the setup an attack needs. */
export async function gqlData<T = Record<string, unknown>>(baseUrl: string, query: string, variables: Record<string, unknown> = {},
  options: GqlOptions = {}): Promise<T> {
  const answer = await gql<T>(baseUrl, query, variables, options);
  if (answer.errors.length > 0 || answer.data === null) {
    throw new Error(`setup failed: ${query.replace(/\s+/g, ' ').slice(0, 80)}… -> ${answer.status} ${answer.text.slice(0, 300)}`);
  }
  return answer.data;
}
