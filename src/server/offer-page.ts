// The accept/decline page behind each offer's link (sent by SMS and email): GET /o/:code shows the
// offer, POST /o/:code with action=accept|decline answers it as the agent the link was made for.
// No sign-in: the signed code in the URL is the capability (bound to one offer and one agent), so a
// cross-site form post gains nothing without the code and no CSRF token is needed. A GET never
// changes anything (mail scanners and link previews open links). A code that this server did not
// sign gets 404 and changes nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '../domain/errors.js';
import type { Services } from '../services/services.js';
import type { LeadRow, OfferRow } from '../store/rows.js';
import { messageLines, oneLine } from '../notify/lead-text.js';
import { formatDuration } from '../notify/messages.js';
import type { Route } from './route.js';
import { escapeHtml, page } from './html.js';
import { readBody, sendText } from './http-util.js';

const PATH = /^\/o\/([^/]+)$/;
/** The form has one field; anything bigger is not our form. */
const MAX_FORM_BYTES = 4 * 1024;

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // The code must not leak to other sites, caches or frames.
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...HEADERS, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

const NOT_FOUND = page('Link not valid', '<h1>This link is not valid</h1>'
  + '<p class="note">Check that you opened the whole link from the text or email. Offers stay in the app under My offers.</p>');

interface OfferView {
  offer: OfferRow;
  lead: LeadRow;
  sourceName: string;
  agentId: number;
  now: number;
  /** ?do=accept|decline from the email buttons: that button is pre-selected, nothing is done yet. */
  chosen: 'accept' | 'decline' | null;
  code: string;
}

/**
 * The lead's own message: escaped, in a bordered quote under a label, so that nothing a lead writes
 * reads as the page's own text (no link is ever made of it).
 */
function leadMessage(message: string | null): string {
  if (!message) return '';
  return '<dt>Message from the lead</dt><dd><blockquote id="lead-message" style="margin:4px 0 0;padding:8px 12px;'
    + `border-left:4px solid #8c959f;background:#f6f8fa;border-radius:4px;overflow-wrap:anywhere">${escapeHtml(messageLines(message).join('\n'))}</blockquote></dd>`;
}

function offerDetails(v: OfferView): string {
  return `<dl><dt>Lead</dt><dd id="lead-first-name">${escapeHtml(oneLine(v.lead.firstName))}</dd>`
    + `<dt>Source</dt><dd>${escapeHtml(oneLine(v.sourceName))}</dd>`
    + leadMessage(v.lead.message)
    + '</dl>';
}

function contactDetails(lead: LeadRow, sourceName: string): string {
  const name = oneLine([lead.firstName, lead.lastName].filter(Boolean).join(' '));
  return `<dl><dt>Name</dt><dd id="lead-name">${escapeHtml(name)}</dd>`
    + `<dt>Email</dt><dd id="lead-email">${lead.email ? `<a href="mailto:${escapeHtml(lead.email)}">${escapeHtml(lead.email)}</a>` : '(none given)'}</dd>`
    + `<dt>Phone</dt><dd id="lead-phone">${lead.phone ? `<a href="tel:${escapeHtml(lead.phone)}">${escapeHtml(lead.phone)}</a>` : '(none given)'}</dd>`
    + `<dt>Source</dt><dd>${escapeHtml(oneLine(sourceName))}</dd>`
    + leadMessage(lead.message)
    + '</dl>';
}

function over(title: string, why: string, v: OfferView): string {
  return page(title, `<div class="status over" id="status">${escapeHtml(why)}</div><h1>${escapeHtml(title)}</h1>${offerDetails(v)}`);
}

/** The page for the offer as it stands now. */
export function renderOffer(v: OfferView): string {
  const { offer, lead } = v;
  switch (offer.state) {
    case 'ACCEPTED': {
      // Contact details only while the link's agent still owns the lead (an admin may have moved it).
      if (lead.ownerId !== v.agentId) {
        return over('Lead reassigned', 'You accepted this lead; it has since been given to another agent.', v);
      }
      const first = oneLine(lead.firstName);
      return page(`${first}: yours`, `<div class="status" id="status">You accepted this lead. It is yours.</div>`
        + `<h1>Contact ${escapeHtml(first)}</h1>${contactDetails(lead, v.sourceName)}`);
    }
    case 'DECLINED':
      return over('Offer declined', 'You declined this lead. It goes to the next agent; nothing more to do.', v);
    case 'TAKEN':
      return over('Lead taken', 'This offer is over: another agent accepted the lead first.', v);
    case 'EXPIRED':
      return over('Offer expired', 'This offer is over: the time to accept it ran out.', v);
    case 'PENDING':
      break;
  }
  const left = offer.expiresAt.getTime() - v.now;
  // The window has closed even if the expiry has not been processed yet.
  if (left <= 0) return over('Offer expired', 'This offer is over: the time to accept it ran out.', v);
  const chosen = (action: 'accept' | 'decline') => (v.chosen === action ? ' chosen" autofocus data-chosen="true' : '');
  const hint = v.chosen === 'accept' ? '<p class="note">Tap Accept to take this lead.</p>'
    : v.chosen === 'decline' ? '<p class="note">Tap Decline to pass on this lead.</p>' : '';
  const first = oneLine(lead.firstName);
  return page(`New lead: ${first}`, `<div class="status" id="status">New lead for you: <strong id="time-left">${escapeHtml(formatDuration(left))}</strong> left to accept.</div>`
    + `<h1>${escapeHtml(first)} from ${escapeHtml(oneLine(v.sourceName))}</h1>${offerDetails(v)}`
    + `<p class="note">${offer.direct ? 'This lead came from your own site or listing.' : 'The first agent to accept gets the lead.'} `
    + 'Contact details are shown once you accept.</p>'
    + hint
    + `<form method="post" action="/o/${escapeHtml(v.code)}"><div class="actions">`
    + `<button type="submit" name="action" value="accept" class="accept${chosen('accept')}">Accept</button>`
    + `<button type="submit" name="action" value="decline" class="decline${chosen('decline')}">Decline</button>`
    + '</div></form>');
}

export function createOfferPageRoute(services: Services): Route {
  const { stores, actionLinks, routing, clock } = services;

  /** The offer a code names, if the code is ours and the agent can still act. */
  async function load(code: string) {
    const link = actionLinks.verify(code);
    if (!link) return null;
    const offer = await stores.leads.findOffer(link.offerId);
    const user = await stores.identity.findUser(link.agentId);
    if (!offer || offer.agentId !== link.agentId || !user?.active) return null;
    const lead = await stores.leads.findLead(offer.leadId);
    if (!lead) return null;
    return { offer, lead, user, sourceName: (await stores.sources.findSource(lead.sourceId))?.name ?? 'a lead source' };
  }

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const m = PATH.exec(url.pathname);
    if (!m?.[1]) return false;
    const code = m[1];
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      sendText(res, 405, 'method not allowed');
      return true;
    }
    const found = await load(code);
    if (!found) {
      if (req.method === 'POST') req.resume();
      send(res, 404, NOT_FOUND);
      return true;
    }

    if (req.method === 'POST') {
      const form = new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
      const action = form.get('action');
      if (action !== 'accept' && action !== 'decline') {
        send(res, 400, page('Choose Accept or Decline', '<h1>Choose Accept or Decline</h1>'
          + `<p><a href="/o/${escapeHtml(code)}">Back to the offer</a></p>`));
        return true;
      }
      const viewer = { id: found.user.id, role: found.user.role };
      try {
        if (action === 'accept') await routing.acceptOffer(found.offer.id, viewer);
        else await routing.declineOffer(found.offer.id, viewer);
      } catch (err) {
        // Too late (taken, expired, answered already): the page below says so; not an error.
        if (!(err instanceof DomainError)) throw err;
      }
      // Post/redirect/get: the page shows the outcome, and a reload does not post again.
      res.writeHead(303, { location: `/o/${code}`, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return true;
    }

    const doParam = url.searchParams.get('do');
    send(res, 200, renderOffer({
      ...found, agentId: found.user.id, now: clock.now(), code,
      chosen: doParam === 'accept' || doParam === 'decline' ? doParam : null,
    }));
    return true;
  };
}
