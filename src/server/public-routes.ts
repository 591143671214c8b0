// The plain HTTP routes outside GraphQL that this server adds: the offer page, web forms and
// forwarded email. app.ts tries them in order after /graphql and /healthz.
import type { Services } from '../services/services.js';
import type { Route } from './route.js';
import { createInboundEmailRoute } from './inbound-email-route.js';
import { createOfferPageRoute } from './offer-page.js';
import { createWebFormRoutes } from './web-form-routes.js';

export function createPublicRoutes(services: Services): Route[] {
  return [createOfferPageRoute(services), createWebFormRoutes(services), createInboundEmailRoute(services)];
}
