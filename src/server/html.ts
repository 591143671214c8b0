// Server-rendered HTML for the plain HTTP pages (the accept/decline page, web forms): escaping and one
// small, mobile-friendly layout. Everything interpolated into HTML goes through escapeHtml.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A complete page. `body` must already be escaped HTML. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; font-size: 17px; line-height: 1.45;
    color: #1f2328; background: #f6f8fa; margin: 0; padding: 16px; }
  main { max-width: 480px; margin: 0 auto; background: #fff; border: 1px solid #d0d7de; border-radius: 10px; padding: 20px; }
  h1 { font-size: 1.3em; margin: 0 0 12px; }
  dl { margin: 0 0 16px; } dt { font-weight: 600; color: #57606a; font-size: .85em; } dd { margin: 0 0 10px; white-space: pre-wrap; }
  .actions { display: flex; gap: 12px; margin-top: 8px; }
  button { flex: 1; font-size: 1.05em; font-weight: 600; padding: 14px; border-radius: 8px; border: 1px solid #8c959f;
    background: #fff; color: #1f2328; cursor: pointer; }
  button.accept { background: #1a7f37; border-color: #1a7f37; color: #fff; }
  button.chosen { outline: 4px solid #0969da; outline-offset: 2px; }
  .note { color: #57606a; font-size: .9em; }
  .status { padding: 10px 12px; border-radius: 8px; background: #ddf4ff; margin-bottom: 16px; }
  .status.over { background: #fff8c5; }
  .errors { background: #ffebe9; border-radius: 8px; padding: 10px 12px 10px 28px; }
  label { display: block; font-weight: 600; margin: 10px 0 4px; }
  input, textarea { width: 100%; box-sizing: border-box; font-size: 1em; padding: 8px; border: 1px solid #d0d7de; border-radius: 6px; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
