// What every resolver gets: who is calling, the use cases, per-request batch loaders, a logger.
import type { Logger } from 'pino';
import { DomainError, ErrorCode, forbidden } from '../domain/errors.js';
import type { Viewer } from '../domain/viewer.js';
import type { Services } from '../services/services.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface GraphQLContext {
  viewer: Viewer | null;
  services: Services;
  loaders: Loaders;
  requestId: string;
  log: Logger;
  /** The address abuse limits count this request against (see server/rate-limit.ts clientAddress). */
  clientIp: string;
}

export function buildContext(services: Services, viewer: Viewer | null, requestId: string, log: Logger, clientIp = 'unknown'): GraphQLContext {
  // The loaders are made on first use: a subscription's context lives as long as the
  // subscription, and most never resolve a batched field (memory per live agent, issue 6).
  let loaders: Loaders | null = null;
  return {
    viewer, services, requestId, log, clientIp,
    get loaders(): Loaders {
      loaders ??= createLoaders(services);
      return loaders;
    },
  };
}

export function requireViewer(ctx: GraphQLContext): Viewer {
  if (!ctx.viewer) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'sign in first: send Authorization: Bearer <token>');
  return ctx.viewer;
}

export function requireAdmin(ctx: GraphQLContext): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN') throw forbidden('only an admin may do this');
  return viewer;
}
