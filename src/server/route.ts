// The signature of a plain HTTP route (the offer page, web forms, forwarded email). It lives here,
// not in app.ts, so that the route files and the server that tries them do not import each other.
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A route outside GraphQL. Returns false when it does not handle the request (app.ts then tries
 * the next). `url` is the request's target, already parsed: a target that is not a URL never
 * reaches a route. A route that throws or rejects gets the server's 500 (or its HttpError status).
 */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;
