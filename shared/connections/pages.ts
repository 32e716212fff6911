/** Small server-rendered pages for the browser leg of the dance. No scripts, no external assets. */
const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.3rem}code{background:#f2f2f2;padding:0 .3em;border-radius:3px}</style></head>
<body>${body}</body></html>`;

export function successPage(connectionId: string, providerName: string): string {
  return page(
    'Connected',
    `<h1>Connected</h1><p>Your ${escapeHtml(providerName)} account is connected. You can close this window.</p>
<p>Connection: <code id="connection-id">${escapeHtml(connectionId)}</code></p>`,
  );
}

export function errorPage(code: string, detail: string): string {
  return page(
    'Connection failed',
    `<h1>Connection failed</h1><p id="error-detail">${escapeHtml(detail)}</p>
<p>Error code: <code id="error-code">${escapeHtml(code)}</code></p>
<p>Start again from the app that sent you here.</p>`,
  );
}
