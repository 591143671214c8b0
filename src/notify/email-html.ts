// The HTML part of an email, rendered from its plain-text body so that the outbox keeps one text that
// says exactly what was sent. Lines "Accept: <url>" and "Decline: <url>" become buttons; other URLs
// become links; everything else is escaped text.
import { escapeHtml } from '../server/html.js';

const BUTTON = /^(Accept|Decline|Open the offer): (https?:\/\/\S+)$/;
const URL_IN_TEXT = /(https?:\/\/[^\s<>"']+)/g;

const BUTTON_STYLE: Record<string, string> = {
  Accept: 'background:#1a7f37;color:#ffffff',
  Decline: 'background:#ffffff;color:#1f2328;border:1px solid #8c959f',
  'Open the offer': 'background:#0969da;color:#ffffff',
};

function linkify(line: string): string {
  return line.split(URL_IN_TEXT).map((part, i) =>
    i % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part)).join('');
}

export function renderEmailHtml(subject: string | null, body: string): string {
  const blocks: string[] = [];
  const buttons: string[] = [];
  for (const line of body.split('\n')) {
    const m = BUTTON.exec(line.trim());
    if (m?.[1] && m[2]) {
      const style = BUTTON_STYLE[m[1]] ?? '';
      buttons.push(`<a href="${escapeHtml(m[2])}" style="display:inline-block;padding:12px 24px;margin:0 8px 8px 0;border-radius:6px;font-weight:600;text-decoration:none;${style}">${escapeHtml(m[1])}</a>`);
      continue;
    }
    if (buttons.length > 0) blocks.push(`<p>${buttons.splice(0).join('')}</p>`);
    blocks.push(line.trim() === '' ? '' : `<p style="margin:0 0 8px">${linkify(line)}</p>`);
  }
  if (buttons.length > 0) blocks.push(`<p>${buttons.join('')}</p>`);
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${escapeHtml(subject ?? 'leadrace')}</title></head>`
    + `<body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.4;color:#1f2328;max-width:560px;margin:0 auto;padding:16px">`
    + `${blocks.filter((b) => b !== '').join('\n')}</body></html>`;
}
