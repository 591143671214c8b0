// What every resolver gets: who is calling, the use cases, per-request batch loaders, a logger.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError, ErrorCode, forbidden } from '../domain/errors.js';
import type { Viewer } from '../domain/viewer.js';
import type { Services } from '../services/services.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface GraphQLContext {
  viewer: Viewer | null;
  /**
   * A token was sent but is not valid (revoked, expired, mistyped, or its user deactivated): viewer
   * is null, and refusals say the token is the problem, not that none was sent.
   */
  tokenRejected: boolean;
  services: Services;
  loaders: Loaders;
  requestId: string;
  log: Logger;
  /** The address abuse limits count this request against (see server/rate-limit.ts clientAddress). */
  clientIp: string;
}

/**
 * A subscription's context lives as long as the subscription, one per connected agent, so it is a
 * class: a getter in an object literal makes a slow (dictionary) object and a closure per context.
 */
class RequestContext implements GraphQLContext {
  private batchLoaders: Loaders | null = null;

  constructor(readonly services: Services, readonly viewer: Viewer | null, private id: string | null,
    readonly log: Logger, readonly clientIp: string, readonly tokenRejected: boolean) {}

  /** Made on first read when the caller had none (randomUUID's string is ~600 bytes of pieces). */
  get requestId(): string {
    this.id ??= randomUUID();
    return this.id;
  }

  /** Made on first use: most subscriptions never resolve a batched field (memory per live agent, issue 6). */
  get loaders(): Loaders {
    this.batchLoaders ??= createLoaders(this.services);
    return this.batchLoaders;
  }
}

/**
 * `requestId` null: a random one is made if something reads it (a WebSocket operation's logs).
 * `tokenRejected`: a token came with the request and authenticated nobody.
 */
export function buildContext(services: Services, viewer: Viewer | null, requestId: string | null, log: Logger, clientIp = 'unknown',
  tokenRejected = false): GraphQLContext {
  return new RequestContext(services, viewer, requestId, log, clientIp, tokenRejected && viewer === null);
}

/** Said to a caller whose token authenticates nobody, so they fix the token instead of looking for a sign-in step. */
const INVALID_TOKEN_MESSAGE = 'the token is not valid (revoked, expired or mistyped): send a valid one as Authorization: Bearer <token>';

export function requireViewer(ctx: GraphQLContext): Viewer {
  if (ctx.viewer) return ctx.viewer;
  throw new DomainError(ErrorCode.UNAUTHENTICATED,
    ctx.tokenRejected ? INVALID_TOKEN_MESSAGE : 'sign in first: send Authorization: Bearer <token>');
}

export function requireAdmin(ctx: GraphQLContext): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN') throw forbidden('only an admin may do this');
  return viewer;
}
