/** What the browser leg of the dance answers, and the cookie that binds an OAuth state to one browser. */
import { createHash } from 'node:crypto';

export interface BrowserResult {
  kind: 'redirect' | 'page';
  location?: string;
  cookies?: string[];
  connectionId?: string;
  /** For the success page. */
  providerName?: string;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The browser-binding cookie is named per state, so two sign-ins started in one browser do not
 * overwrite each other's cookie.
 */
export const bindingCookieName = (state: string): string => `hb_oauth_${sha256(state).slice(0, 8)}`;

export const cookieAttrs = (baseUrl: string) =>
  `Path=/oauth; HttpOnly; SameSite=Lax${baseUrl.startsWith('https://') ? '; Secure' : ''}`;

export const readCookie = (cookies: string[], name: string): string | undefined => {
  for (const c of cookies) {
    for (const part of c.split(';')) {
      const i = part.indexOf('=');
      if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
    }
  }
  return undefined;
};
