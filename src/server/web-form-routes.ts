// Brokerage web forms: POST /forms/:publicKey takes an ordinary HTML form post (urlencoded) for a
// lead source and submits the lead; GET /forms/:publicKey serves an example form to embed on the
// brokerage's site; GET /forms/:publicKey/thanks is the default thank-you page. The public key is
// the source's own (it already lets anyone submit to that source through GraphQL).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, ErrorCode } from '../domain/errors.js';
import { DEFAULT_PHONE_REGION, normalizePhone, type PhoneRegion } from '../domain/phone.js';
import { MAX_POSTAL_CODE, MAX_PROPERTY_ADDRESS } from '../domain/property.js';
import { normalizeEmail, optionalText, parseId, requireText } from '../domain/validation.js';
import type { Services } from '../services/services.js';
import type { SubmitLeadInput } from '../services/routing-service.js';
import type { LeadSourceWithOffices } from '../store/rows.js';
import type { Route } from './route.js';
import { escapeHtml, page } from './html.js';
import { readBody, sendText } from './http-util.js';
import { refusedByRateLimit } from './rate-limit.js';

/** A form post is a few fields; 64 KB leaves room for a long message and refuses anything else. */
export const MAX_FORM_BYTES = 64 * 1024;

const PATH = /^\/forms\/([A-Za-z0-9_-]{1,100})(\/thanks)?$/;

const FIELDS = ['firstName', 'lastName', 'email', 'phone', 'postalCode', 'propertyAddress', 'message', 'targetUserId', 'externalId'] as const;
type FormField = (typeof FIELDS)[number];
type FormValues = Partial<Record<FormField, string>>;

export interface FieldError {
  field: string;
  why: string;
}

/** Every problem with the post at once (a form user fixes them all in one go), or the lead input. */
/** `region`: the country of a phone written without one (DEFAULT_PHONE_REGION). */
export function validateForm(values: FormValues, region: PhoneRegion = DEFAULT_PHONE_REGION): { input: Omit<SubmitLeadInput, 'sourceKey'> } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const check = <T>(field: string, fn: () => T): T | null => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof DomainError) {
        errors.push({ field, why: err.message.replace(new RegExp(`^${field}: `), '') });
        return null;
      }
      throw err;
    }
  };
  const firstName = check('firstName', () => requireText('firstName', values.firstName ?? '', 100));
  const lastName = check('lastName', () => optionalText('lastName', values.lastName, 100));
  const email = check('email', () => (values.email?.trim() ? normalizeEmail('email', values.email) : null));
  const phone = check('phone', () => (values.phone?.trim() ? normalizePhone('phone', values.phone, region) : null));
  const postalCode = check('postalCode', () => optionalText('postalCode', values.postalCode, MAX_POSTAL_CODE));
  const propertyAddress = check('propertyAddress', () => optionalText('propertyAddress', values.propertyAddress, MAX_PROPERTY_ADDRESS));
  const message = check('message', () => optionalText('message', values.message, 5000));
  const externalId = check('externalId', () => optionalText('externalId', values.externalId, 200));
  let targetUserId: number | null = null;
  if (values.targetUserId?.trim()) {
    targetUserId = parseId(values.targetUserId.trim());
    if (targetUserId === null) errors.push({ field: 'targetUserId', why: `"${values.targetUserId}" is not a valid id` });
  }
  if (errors.length > 0 || firstName === null) return { errors };
  return { input: { firstName, lastName, email, phone, postalCode, propertyAddress, message, externalId, targetUserId } };
}

const LABELS: Record<FormField, string> = {
  firstName: 'First name', lastName: 'Last name', email: 'Email', phone: 'Phone', postalCode: 'Postal code', message: 'Message',
  propertyAddress: 'Property address',
  targetUserId: 'Agent id', externalId: 'External id',
};

function formHtml(action: string, values: FormValues): string {
  const input = (field: FormField, type: string, extra = '') =>
    `<label for="${field}">${LABELS[field]}</label><input id="${field}" name="${field}" type="${type}" value="${escapeHtml(values[field])}"${extra}>`;
  return `<form method="post" action="${escapeHtml(action)}">`
    + input('firstName', 'text', ' required maxlength="100" autocomplete="given-name"')
    + input('lastName', 'text', ' maxlength="100" autocomplete="family-name"')
    + input('email', 'email', ' autocomplete="email"')
    + input('phone', 'tel', ' autocomplete="tel"')
    + input('postalCode', 'text', ' maxlength="20" autocomplete="postal-code"')
    + `<label for="message">${LABELS.message}</label><textarea id="message" name="message" rows="4" maxlength="5000">${escapeHtml(values.message)}</textarea>`
    // An agent's own site sets this hidden field to their user id: the lead goes straight to them.
    + (values.targetUserId ? `<input type="hidden" name="targetUserId" value="${escapeHtml(values.targetUserId)}">` : '')
    + '<div class="actions"><button type="submit" class="accept">Send</button></div></form>';
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  res.end(html);
}

const UNKNOWN = page('Form not found', '<h1>This form is not available</h1><p class="note">The link may be out of date.</p>');

export function createWebFormRoutes(services: Services): Route {
  const { config, stores, routing } = services;

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const m = PATH.exec(url.pathname);
    if (!m?.[1]) return false;
    const key = m[1];
    const thanks = m[2] !== undefined;
    const source: LeadSourceWithOffices | null = await stores.sources.findSourceByPublicKey(key);
    const action = `${config.publicUrl}/forms/${key}`;

    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!source) {
        sendHtml(res, 404, UNKNOWN);
        return true;
      }
      if (thanks) {
        sendHtml(res, 200, page('Thank you', '<h1>Thank you</h1><p id="thanks">We have your details; an agent will be in touch shortly.</p>'));
        return true;
      }
      sendHtml(res, 200, page(`Contact us: ${source.name}`, `<h1>Contact us</h1>${formHtml(action, {})}`
        + `<p class="note">To embed: copy this form to your site; it posts to ${escapeHtml(action)}.</p>`));
      return true;
    }
    if (req.method !== 'POST' || thanks) {
      res.setHeader('allow', thanks ? 'GET' : 'GET, POST');
      sendText(res, 405, 'method not allowed');
      return true;
    }
    // Anonymous intake, limited per client address like submitLead with a source key; counted
    // before the key is looked at, so guessing keys costs the same allowance as posting leads.
    if (refusedByRateLimit(services.limits.intake, req, res, config.trustProxy)) return true;
    if (!source) {
      req.resume();
      sendHtml(res, 404, UNKNOWN);
      return true;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume();
      sendText(res, 415, 'post the form as application/x-www-form-urlencoded');
      return true;
    }
    const form = new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
    const values: FormValues = {};
    for (const field of FIELDS) {
      const v = form.get(field);
      if (v !== null) values[field] = v;
    }
    const checked = validateForm(values, config.defaultPhoneRegion);
    let errors = 'errors' in checked ? checked.errors : [];
    if ('input' in checked) {
      try {
        await routing.submitLead({ ...checked.input, sourceKey: key }, null);
      } catch (err) {
        if (!(err instanceof DomainError) || err.code !== ErrorCode.BAD_USER_INPUT) throw err;
        errors = [{ field: err.field ?? 'form', why: err.message.replace(/^\w+: /, '') }];
      }
    }
    if (errors.length > 0) {
      sendHtml(res, 400, page('Please check the form', '<h1>Please check the form</h1><ul class="errors" id="errors">'
        + errors.map((e) => `<li data-field="${escapeHtml(e.field)}"><strong>${escapeHtml(LABELS[e.field as FormField] ?? e.field)}</strong> (${escapeHtml(e.field)}): ${escapeHtml(e.why)}</li>`).join('')
        + `</ul>${formHtml(action, values)}`));
      return true;
    }
    res.writeHead(303, { location: source.thankYouUrl ?? `/forms/${key}/thanks`, 'content-length': 0 });
    res.end();
    return true;
  };
}
