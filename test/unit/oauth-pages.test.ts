/** The browser pages' copy: one message, one "start again", a code; everything escaped. */
import { describe, expect, it } from 'vitest';
import { providerDisplayName } from '../../shared/connections/flow.js';
import { errorPage, successPage } from '../../shared/connections/pages.js';

const text = (html: string) =>
  html
    .replace(/<style>[^<]*<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('OAuth pages', () => {
  it('success names the catalog provider once, and says "Your account" without one', () => {
    expect(text(successPage('conn_abc', 'Google'))).toBe(
      'Connected Connected Your Google account is connected. You can close this window. Connection: conn_abc',
    );
    expect(text(successPage('conn_abc'))).toBe(
      'Connected Connected Your account is connected. You can close this window. Connection: conn_abc',
    );
    expect(providerDisplayName('google')).toBe('Google');
    expect(providerDisplayName('oidc')).toBeUndefined();
  });

  it('access_denied reads "Not connected"; other errors "Connection failed"; "start again" once', () => {
    expect(text(errorPage('access_denied', 'Access was declined at Google, so nothing was connected'))).toBe(
      'Not connected Not connected Access was declined at Google, so nothing was connected. ' +
        'To connect, start again from the app that sent you here. Error code: access_denied',
    );
    expect(text(errorPage('invalid_state', 'This sign-in is unknown, has expired or was already used'))).toBe(
      'Connection failed Connection failed This sign-in is unknown, has expired or was already used. ' +
        'To connect, start again from the app that sent you here. Error code: invalid_state',
    );
    expect(text(errorPage('internal', 'Something went wrong on our side.'))).toContain(
      'Something went wrong on our side. To connect',
    );
  });

  it('escapes every value', () => {
    const html = errorPage('x"><script>', '<img src=x onerror=alert(1)> & "q"');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;.');
    expect(html).toContain('<code id="error-code">x&quot;&gt;&lt;script&gt;</code>');
    const ok = successPage('<i>c</i>', '<b>P</b>');
    expect(ok).not.toMatch(/<i>|<b>/);
    expect(ok).toContain('Your &lt;b&gt;P&lt;/b&gt; account');
  });
});
