// The server: one process, one port. HTTP serves POST /graphql (Apollo), the playground on
// GET /graphql, /healthz and the plain HTTP routes; graphql-ws serves subscriptions on /graphql.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Viewer } from '../domain/viewer.js';
import { createInProcessEventBus, type EventBus } from '../events/event-bus.js';
import { buildContext, type GraphQLContext } from '../graphql/context.js';
import { createErrorFormatter, unexpectedErrorLog } from '../graphql/error-format.js';
import { queryChecksPlugin } from '../graphql/query-checks-plugin.js';
import { queryLimitRules } from '../graphql/query-limits.js';
import { getSchema } from '../graphql/schema.js';
import { createServices, type Services } from '../services/services.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { openPostgresStore } from '../store/postgres/pg-store.js';
import type { ClusterSignal, Store } from '../store/port.js';
import { createRedisEventBus } from '../events/redis-event-bus.js';
import { alignedClock } from '../time/aligned-clock.js';
import { systemClock, type Clock } from '../time/clock.js';
import { redactUrl, type Config } from './config.js';
import { capConnectionsPerAddress } from './connection-cap.js';
import { HttpError, readBody, requestUrl, sendJson, sendText } from './http-util.js';
import { useGraphQLWs } from './graphql-ws-adapter.js';
import { createIdeAssetRoute, ideLandingPage } from './ide-page.js';
import { createLogger } from './logger.js';
import { createPublicRoutes } from './public-routes.js';
import { clientAddress } from './rate-limit.js';
import type { Route } from './route.js';
import { createWebAppRoute } from './web-app-page.js';
import { createMetricsRoute } from '../ops/metrics-route.js';
import { createWsGuard } from './ws-guard.js';
import { TOKEN_REVOKED_REASON, WsCloseCode, WsCloseReason, WsForbiddenReason, wsLimitsFrom, type WsLimits } from './ws-limits.js';

/** GraphQL request bodies above this size get 413; a WebSocket message above it closes the socket with 1009. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How long /healthz waits for the database before it calls it down. */
const HEALTH_TIMEOUT_MS = 2000;

/** `p`, or a rejection after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface StartOptions {
  config: Config;
  /** Defaults to the system clock; tests pass a ManualClock. */
  clock?: Clock;
  logger?: Logger;
  bus?: EventBus;
  /** WebSocket limits beyond the configured ones (tests shorten keepAliveMs and the backlog bounds). */
  wsLimits?: Partial<WsLimits>;
}

export interface RunningServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  services: Services;
  /** The token generated for the first admin on a fresh database, if any (printed once). */
  bootstrapToken: string | null;
  /** Graceful stop: no new connections, in-flight requests finish, sockets close, database closes. */
  close(): Promise<void>;
}

/**
 * What the server keeps for each WebSocket (ctx.extra in the graphql-ws hooks): every connected
 * agent holds one, so the upgrade request is reduced to the client's address when it connects.
 */
interface WsExtra {
  socket: WebSocket;
  /** The address abuse limits count this socket's operations against (rate-limit.ts clientAddress). */
  clientIp: string;
  /** The bearer token of connection_init, once onConnect has accepted it. */
  token: string | null;
}

const bearer = (value: unknown): string | null => {
  if (typeof value !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return m?.[1] ?? null;
};

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const store: Store = config.database.kind === 'postgres'
    ? await openPostgresStore(config.database.url, { poolSize: config.databasePoolSize, logger: logger.child({ component: 'postgres' }) })
    : openSqliteStore(config.database.path, {
      synchronous: config.sqliteSynchronous,
      onCheckpointError: (message) => logger.error({ component: 'sqlite' }, message),
    });
  // On a shared database every instance reads the database server's clock (aligned-clock.ts).
  const aligned = !options.clock && store.cluster ? await alignedClock(() => store.databaseNow(), logger) : null;
  const clock = options.clock ?? aligned ?? systemClock;
  const redisBus = !options.bus && config.redisUrl ? createRedisEventBus({ url: config.redisUrl, logger }) : null;
  if (redisBus) {
    try {
      await redisBus.ready();
    } catch (err) {
      await store.close();
      throw new Error(`REDIS_URL: could not reach Redis at ${redactUrl(config.redisUrl ?? '')} (${(err as Error).message})`);
    }
  }
  const bus = options.bus ?? redisBus ?? createInProcessEventBus();
  if (store.dialect === 'postgres' && !redisBus && !options.bus) {
    logger.warn('running as one instance: events stay in this process; to run more instances on this database, set REDIS_URL on every one');
  }
  if (store.dialect === 'sqlite' && redisBus) {
    logger.warn('REDIS_URL is set but the database is SQLite, which one process opens: more instances need DATABASE_URL=postgres://...');
  }
  const services = await createServices({ store, clock, bus, config, logger });

  const boot = await services.auth.ensureBootstrapAdmin(config.bootstrapAdminToken);
  if (boot.generatedToken) {
    // Printed once, on the first start of a fresh database: the way in for a new user.
    logger.warn({ userId: boot.userId }, 'created the first admin');
    process.stdout.write(`\n  leadrace: first admin created. API token (shown once, keep it):\n\n    ${boot.generatedToken}\n\n`);
  }

  // Crash recovery before serving: windows that closed while we were down are processed first.
  const resumed = await services.routing.resumeStalledLeads();
  await services.deadlines.start();
  services.notifications.start();
  services.webhooks.start();
  await services.searchIndexing.start();
  if (resumed > 0) logger.warn({ leads: resumed }, 'resumed leads that were left between rounds');

  const schema = getSchema();
  const httpServer: Server = createServer({
    // A request whose headers or body stop arriving is answered 408 and its connection closed.
    headersTimeout: config.httpHeadersTimeoutMs,
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    // Node checks both timeouts on this interval (its default, 30 s, would let a 20 s timeout run
    // to 50 s): a quarter of the shorter one keeps each within 25% of its value.
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(config.httpHeadersTimeoutMs / 4))),
  });
  if (config.maxConnectionsPerAddress !== null) capConnectionsPerAddress(httpServer, config.maxConnectionsPerAddress, logger);
  // perMessageDeflate stays off (a zlib context per socket); messages are bounded like request bodies.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', perMessageDeflate: false, maxPayload: MAX_BODY_BYTES });

  const wsLimits = wsLimitsFrom(config, options.wsLimits);
  const wsGuard = createWsGuard({
    limits: wsLimits, schema, production: config.production, logger, timing: services.metrics.offerTiming,
  });
  services.metrics.readFrom({
    websocketConnections: () => wsServer.clients.size,
    outboxPending: () => services.notifications.pendingByChannel(),
  });
  const wsCleanup = useGraphQLWs<Record<string, unknown>, WsExtra>({
    schema,
    // Subscriptions read through a bounded queue that executes their events (bounded-stream.ts).
    subscribe: wsGuard.subscribe,
    // graphql-ws closes the socket with 4403 "Forbidden" when this returns false; a refused token is
    // closed here first with a reason that says why (graphql-ws's own close is then a no-op).
    onConnect: async (ctx) => {
      const token = bearer(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization);
      const viewer = await services.auth.authenticate(token);
      if (!viewer) {
        ctx.extra.socket.close(WsCloseCode.Forbidden, token ? WsForbiddenReason.INVALID_TOKEN : WsForbiddenReason.NO_TOKEN);
        return false;
      }
      // One socket too many for this user: closed with 4429 (ws-guard.ts).
      if (!wsGuard.admit(ctx.extra.socket, viewer.id, viewer.tokenId)) return false;
      ctx.extra.token = token;
      return true;
    },
    // Operations per socket, query limits, the slow-consumer bound, and error formatting.
    onSubscribe: wsGuard.onSubscribe,
    onOperation: wsGuard.onOperation,
    onNext: wsGuard.onNext,
    onError: wsGuard.onError,
    // The token is checked again for every operation, so a deactivated user stops at once. The
    // request id is made if something is logged (a live subscription seldom logs anything).
    context: async (ctx): Promise<GraphQLContext> => {
      const viewer = await services.auth.authenticate(ctx.extra.token);
      return buildContext(services, viewer, null, logger, ctx.extra.clientIp, ctx.extra.token !== null);
    },
  }, wsServer, {
    extra: (socket, request) => ({ socket, clientIp: clientAddress(request, config.trustProxy), token: null }),
    keepAliveMs: wsLimits.keepAliveMs,
    production: config.production,
    logger,
  });
  // A deactivated user's tokens stop working at once; so do the sockets they already hold open, on
  // this instance and (through the cluster signal) on every other one.
  const closeUser = (userId: number) => wsGuard.closeUser(userId, WsCloseCode.Forbidden, WsCloseReason[WsCloseCode.Forbidden]);
  const closeToken = (userId: number, tokenId: number) => wsGuard.closeToken(userId, tokenId, WsCloseCode.Forbidden, TOKEN_REVOKED_REASON);
  const cluster = store.cluster;
  const tellOthers = (signal: ClusterSignal) => {
    // Lost, the other instances' sockets stay open until their next operation, which the token check refuses.
    cluster?.publish(signal).catch((err: unknown) => logger.warn({ err, signal }, 'could not tell the other instances to close sockets'));
  };
  services.users.onDeactivated((userId) => {
    closeUser(userId);
    tellOthers({ kind: 'user-deactivated', userId });
  });
  // A revoked token stops working at once (the token lookup), and so do the sockets signed in with it.
  services.auth.onRevoked((tokenId, userId) => {
    closeToken(userId, tokenId);
    tellOthers({ kind: 'token-revoked', userId, tokenId });
  });
  cluster?.subscribe((signal) => {
    if (signal.kind === 'user-deactivated') closeUser(signal.userId);
    else if (signal.kind === 'token-revoked') closeToken(signal.userId, signal.tokenId);
  });

  const requestLog: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ request, operationName, errors }) {
          contextValue.log.info({
            reqId: contextValue.requestId,
            // The name Apollo resolved from the document, so `query Me {...}` sent without an
            // operationName field (curl, hand-written clients) is still logged as "Me".
            op: operationName ?? request.operationName ?? null,
            userId: contextValue.viewer?.id ?? null,
            ms: Math.round((performance.now() - started) * 100) / 100,
            errors: errors?.length ?? 0,
          }, 'graphql request');
        },
      };
    },
  };

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError: createErrorFormatter(config.production),
    includeStacktraceInErrorResponses: !config.production,
    // The depth limit, checked in validation (query-limits.ts); argument bounds and the cost limit,
    // which need the variables, in queryChecksPlugin below. All before execution.
    validationRules: [...queryLimitRules],
    // Batches (a JSON array body) stay refused with 400: one request could carry any number of
    // operations past the per-operation limits.
    allowBatchedHttpRequests: false,
    introspection: true,
    // main.ts owns SIGTERM/SIGINT. Apollo's own handler (on unless NODE_ENV=test) stops the server
    // and then re-raises the signal, which killed the process with 143 before close() had finished.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
      // The GraphQL IDE (GraphiQL) served by this server itself: nothing loaded from another host.
      config.playground ? ideLandingPage() : ApolloServerPluginLandingPageDisabled(),
      requestLog,
      unexpectedErrorLog,
      queryChecksPlugin<GraphQLContext>(),
    ],
  });
  await apollo.start();

  // The offer page (/o/:code), web forms (/forms/:key) and forwarded email (/inbound/email); the
  // web app (/ and /app/); the IDE's script and style sheet when the playground is on.
  const routes: Route[] = [
    // GET /metrics, only when METRICS_TOKEN is set (ops/metrics-route.ts).
    createMetricsRoute(config.metricsToken, services.metrics.registry),
    ...createPublicRoutes(services),
    createWebAppRoute(logger),
    ...(config.playground ? [createIdeAssetRoute(logger)] : []),
  ];

  function applyCors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (!origin) return;
    if (config.corsOrigins === '*') res.setHeader('access-control-allow-origin', '*');
    else if (config.corsOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
    } else return;
    res.setHeader('access-control-allow-headers', 'authorization, content-type, apollo-require-preflight, x-request-id');
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-max-age', '600');
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const raw = await readBody(req, MAX_BODY_BYTES);
      const type = headers.get('content-type') ?? '';
      if (type.includes('application/json')) {
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          throw new HttpError(400, 'request body is not valid JSON');
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    const token = bearer(req.headers.authorization);
    const viewer: Viewer | null = await services.auth.authenticate(token);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => buildContext(services, viewer, requestId, logger, clientAddress(req, config.trustProxy), token !== null),
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  /**
   * GET /healthz: 200 when this instance can serve (the database answers, and Redis is connected when
   * it is configured), 503 otherwise, with each dependency's state, so a load balancer takes an
   * instance out of rotation while it cannot route or deliver events.
   */
  async function healthz(res: ServerResponse): Promise<void> {
    let database: 'ok' | 'down' = 'ok';
    try {
      await withTimeout(store.ping(), HEALTH_TIMEOUT_MS);
    } catch (err) {
      database = 'down';
      logger.warn({ err }, 'health check: the database did not answer');
    }
    const redis = redisBus ? (redisBus.healthy() ? 'ok' : 'down') : 'not configured';
    const ok = database === 'ok' && redis !== 'down';
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', database, redis, store: store.dialect });
  }

  /**
   * Answers one HTTP request. Every error is answered here: an HttpError with its status, anything
   * else with 500 (logged). Nothing before the try may throw, so the request id comes first.
   */
  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = typeof req.headers['x-request-id'] === 'string' && /^[\w-]{1,64}$/.test(req.headers['x-request-id'])
      ? req.headers['x-request-id'] : randomUUID();
    res.setHeader('x-request-id', requestId);
    try {
      applyCors(req, res);
      const url = requestUrl(req);
      if (!url) throw new HttpError(400, 'the request target is not a valid URL');
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/graphql') {
        await handleGraphQL(req, res, url, requestId);
        return;
      }
      if (url.pathname === '/healthz' && req.method === 'GET') {
        await healthz(res);
        return;
      }
      for (const route of routes) if (await route(req, res, url)) return;
      sendText(res, 404, 'not found');
    } catch (err) {
      if (err instanceof HttpError) {
        if (!res.headersSent) sendJson(res, err.status, { error: err.message });
        return;
      }
      // The path only: a query string may carry variables.
      logger.error({ err, reqId: requestId, path: requestUrl(req)?.pathname ?? null }, 'unhandled error in HTTP route');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal server error', requestId });
      else res.end();
    }
  }

  httpServer.on('request', (req, res) => {
    // A throw out of this listener would end the process: every request is answered in
    // handleRequest, and if answering itself fails, the connection is dropped.
    handleRequest(req, res).catch((err: unknown) => {
      logger.error({ err, path: requestUrl(req)?.pathname ?? null }, 'could not answer an HTTP request');
      res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  logger.info({
    port,
    database: config.database.kind === 'sqlite' ? config.database.path : redactUrl(config.database.url),
    redis: config.redisUrl ? redactUrl(config.redisUrl) : null,
    clockOffsetMs: aligned?.offsetMs ?? null,
    playground: config.playground,
  }, 'leadrace listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    services,
    bootstrapToken: boot.generatedToken,
    close() {
      closing ??= (async () => {
        for (const client of wsServer.clients) client.close(1001, 'server shutting down');
        await apollo.stop();
        // Requests are done: the last minute's token uses are written while the store is open. Work
        // in progress (a deadline pass, an indexing batch, sends) ends before the store closes under it.
        await services.tokenUsage.stop();
        await services.deadlines.stop();
        await services.searchIndexing.stop();
        await services.notifications.stop();
        await services.webhooks.stop();
        aligned?.stop();
        services.rotationHints?.stop();
        await redisBus?.close();
        await store.close();
        logger.info('leadrace stopped');
      })();
      return closing;
    },
  };
}
