/** URL helpers for every server-initiated call, so each path reads a host and port the same way. */

const BRACKETS = /^\[|\]$/g;
const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

/** The host as the resolver, `isIP` and the socket take it: an IPv6 literal without brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(BRACKETS, '');

/** A host for comparing with a declared one: lower case, no brackets, no trailing root dot. */
export const normalHost = (host: string): string =>
  host.toLowerCase().replace(BRACKETS, '').replace(/\.$/, '');

/** The port the call goes to: the URL's own, else the scheme's default. */
export const portOf = (url: URL): string => url.port || (url.protocol === 'https:' ? '443' : '80');

/** `host:port`, the form of the test-only allow list's entries. */
export const hostPortOf = (url: URL): string => `${hostOf(url)}:${portOf(url)}`;

/** The URL's host in the form integrations declare allowed hosts: `host`, or `host:port` when it names a port. */
export const declaredHostOf = (url: URL): string => (url.port ? `${url.hostname}:${url.port}` : url.hostname);

/** Plain http is allowed only for loopback hosts (local development and tests). */
export const isLoopbackHttp = (url: string): boolean => LOOPBACK_HTTP.test(url);

/** Ids, numbers and long opaque segments become `{id}`, so a log shows a template, not data. */
export const pathTemplateOf = (path: string): string =>
  path
    .split('/')
    .map((s) => (/^v\d+(\.\d+)?$/.test(s) || !(/\d/.test(s) || s.length > 24) ? s : '{id}'))
    .join('/');
