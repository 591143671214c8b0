// A lean GraphQL-over-HTTP client for load: keep-alive sockets, no retries, the body parsed once.
import { Agent, request } from 'node:http';

export interface GqlResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export class HttpGql {
  private readonly agent: Agent;
  private readonly endpoint: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.endpoint = new URL('/graphql', baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  post<T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResponse<T>> {
    const body = JSON.stringify(variables ? { query, variables } : { query });
    return this.send<T>(body, token, true);
  }

  private send<T>(body: string, token: string | undefined, mayRetry: boolean): Promise<GqlResponse<T>> {
    return new Promise((resolve, reject) => {
      const req = request(this.endpoint, {
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as GqlResponse<T>);
          } catch (err) {
            reject(new Error(`HTTP ${res.statusCode}: not JSON (${String(err)})`));
          }
        });
        res.on('error', reject);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // The server closed an idle keep-alive socket just as we reused it: it never read this
        // request, so sending it again on a fresh socket is safe (the retry Node's docs advise).
        if (mayRetry && req.reusedSocket && err.code === 'ECONNRESET') {
          this.send<T>(body, token, false).then(resolve, reject);
        } else reject(err);
      });
      req.end(body);
    });
  }

  /** Like post, but throws on GraphQL errors and returns the data. */
  async data<T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T> {
    const res = await this.post<T>(query, variables, token);
    if (res.errors?.length || !res.data) throw new Error(`GraphQL error: ${JSON.stringify(res.errors)}`);
    return res.data;
  }

  close(): void {
    this.agent.destroy();
  }
}
