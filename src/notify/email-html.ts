// The HTML part of an email, rendered from its plain-text body so that the outbox keeps one text that
// says exactly what was sent. Only the server's own lines become buttons: a line "Accept: <url>",
// "Decline: <url>" or "Open the offer: <url>" whose URL is one of this server's offer links. The
// lead's quoted message (the "> " lines under "Message from the lead:", lead-text.ts) is drawn as a
// labelled, bordered block of escaped text. Nothing else is linked: the server's text has no other
// URL, and a URL in what a lead wrote stays text.
import { escapeHtml } from '../server/html.js';
import { QUOTE_LABEL, QUOTE_PREFIX } from './lead-text.js';

const BUTTON = /^(Accept|Decline|Open the offer): (https?:\/\/\S+)$/;

const BUTTON_STYLE: Record<string, string> = {
  Accept: 'background:#1a7f37;color:#ffffff',
  Decline: 'background:#ffffff;color:#1f2328;border:1px solid #8c959f',
  'Open the offer': 'background:#0969da;color:#ffffff',
};

const isQuoted = (line: string): boolean => line === QUOTE_PREFIX || line.startsWith(`${QUOTE_PREFIX} `);
const unquote = (line: string): string => line.slice(QUOTE_PREFIX.length + 1);

function quoteBlock(lines: readonly string[]): string {
  return '<div style="margin:0 0 12px;padding:8px 12px;border-left:4px solid #8c959f;background:#f6f8fa;border-radius:4px">'
    + '<p style="margin:0 0 4px;font-size:13px;font-weight:600;color:#57606a">Message from the lead</p>'
    + `<blockquote style="margin:0;white-space:pre-wrap;overflow-wrap:anywhere">${escapeHtml(lines.map(unquote).join('\n'))}</blockquote></div>`;
}

/**
 * `offerLinkBase` is this server's PUBLIC_URL: a button line must point under `<offerLinkBase>/o/`,
 * or it is shown as text.
 */
export function renderEmailHtml(subject: string | null, body: string, offerLinkBase: string): string {
  const ownLink = `${offerLinkBase.replace(/\/+$/, '')}/o/`;
  const lines = body.split('\n');
  const blocks: string[] = [];
  const buttons: string[] = [];
  const flushButtons = () => {
    if (buttons.length > 0) blocks.push(`<p>${buttons.splice(0).join('')}</p>`);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === QUOTE_LABEL || isQuoted(line)) {
      // The label and the quoted lines after it are one block; the label is drawn by quoteBlock.
      let end = line === QUOTE_LABEL ? i + 1 : i;
      const quoted: string[] = [];
      while (end < lines.length && isQuoted(lines[end] ?? '')) quoted.push(lines[end++] ?? '');
      flushButtons();
      blocks.push(quoteBlock(quoted));
      i = end - 1;
      continue;
    }
    const m = BUTTON.exec(line);
    if (m?.[1] && m[2] && m[2].startsWith(ownLink)) {
      const style = BUTTON_STYLE[m[1]] ?? '';
      buttons.push(`<a href="${escapeHtml(m[2])}" style="display:inline-block;padding:12px 24px;margin:0 8px 8px 0;border-radius:6px;font-weight:600;text-decoration:none;${style}">${escapeHtml(m[1])}</a>`);
      continue;
    }
    flushButtons();
    if (line.trim() !== '') blocks.push(`<p style="margin:0 0 8px">${escapeHtml(line)}</p>`);
  }
  flushButtons();
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${escapeHtml(subject ?? 'leadrace')}</title></head>`
    + `<body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.4;color:#1f2328;max-width:560px;margin:0 auto;padding:16px">`
    + `${blocks.join('\n')}</body></html>`;
}
