/**
 * Small server-rendered pages for the browser leg of the dance. No scripts, no external assets.
 * Every value is escaped; the pages carry a message and an error code, never a stack or a secret.
 */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A whole page; `css` adds rules (the local runtime's dev provider styles its forms). */
export const page = (title: string, body: string, css = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.3rem}code{background:#f2f2f2;padding:0 .3em;border-radius:3px}.code{color:#666;font-size:.9rem}${css}</style></head>
<body>${body}</body></html>`;

/** `providerName` is the catalog's name (`Google`); without one the page says "Your account". */
export function successPage(connectionId: string, providerName?: string): string {
  const account = providerName ? `Your ${escapeHtml(providerName)} account` : 'Your account';
  return page(
    'Connected',
    `<h1>Connected</h1><p>${account} is connected. You can close this window.</p>
<p>Connection: <code id="connection-id">${escapeHtml(connectionId)}</code></p>`,
  );
}

/** `detail` is one sentence about what happened; the page itself says what to do next, once. */
export function errorPage(code: string, detail: string): string {
  const sentence = /[.!?]$/.test(detail) ? detail : `${detail}.`;
  const title = code === 'access_denied' ? 'Not connected' : 'Connection failed';
  return page(
    title,
    `<h1>${title}</h1><p id="error-detail">${escapeHtml(sentence)}</p>
<p>To connect, start again from the app that sent you here.</p>
<p class="code">Error code: <code id="error-code">${escapeHtml(code)}</code></p>`,
  );
}
