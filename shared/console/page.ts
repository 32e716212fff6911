/** The console's HTML shell and the headers every console page and asset is served with. */

/** No inline script or style, nothing from another origin, never framed. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const consoleHeaders = (type: string): Record<string, string> => ({
  'content-type': type,
  'cache-control': 'no-store',
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

/** The page: the assets by content version, so a deploy never mixes an old script with a new page. */
export const consolePage = (version: string): string =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hookbridge console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/console.css?v=${version}">
<script defer src="/console/console.js?v=${version}"></script>
</head>
<body>
<div id="app"><noscript>The Hookbridge console needs JavaScript.</noscript></div>
</body>
</html>
`;
