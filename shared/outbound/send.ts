/**
 * One guarded call: the SSRF guard checks the target and picks the address, and the transport
 * connects to exactly that address (no re-resolution, no redirects). Webhook deliveries and the
 * fetch view send through here; the retry policy (policy.ts) pins once and re-sends.
 */
import { checkTarget, type ResolvedAddress, type Resolver } from './ssrf.js';
import type { Transport, TransportResponse } from './transport.js';
import { normalHost } from './url.js';

/** How outbound calls reach the network. */
export interface OutboundNet {
  transport: Transport;
  /** Asked by the SSRF guard; tests make names resolve anywhere. */
  resolver: Resolver;
  /** host:port pairs exempt from the address check (HOOKBRIDGE_TEST_ALLOW_HOSTS, local mode only). */
  testAllow: ReadonlySet<string>;
}

export interface OutboundRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
  /** Host patterns the URL must match. Omitted: its own host, so only the address rules decide. */
  allowedHosts?: readonly string[] | undefined;
  connectTimeoutMs: number;
  /** For the call itself, counted from when the target is checked. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Keep the first maxResponseBytes instead of failing with too_large. */
  truncateResponse?: boolean | undefined;
}

/** Checks the target (403 ssrf_blocked before any packet is sent) and returns the address to pin to. */
export const pinTarget = (
  url: URL,
  allowedHosts: readonly string[] | undefined,
  net: OutboundNet,
): Promise<ResolvedAddress> =>
  checkTarget(url, allowedHosts ?? [normalHost(url.hostname)], {
    resolver: net.resolver,
    testAllow: net.testAllow,
  });

/** Sends once to an address pinTarget returned. Throws a TransportError. */
export const sendPinned = (
  req: OutboundRequest,
  pinned: ResolvedAddress,
  net: Pick<OutboundNet, 'transport'>,
): Promise<TransportResponse> =>
  net.transport({
    url: req.url,
    method: req.method,
    headers: req.headers,
    body: req.body,
    pinned,
    connectTimeoutMs: req.connectTimeoutMs,
    deadline: Date.now() + req.timeoutMs,
    maxResponseBytes: req.maxResponseBytes,
    truncateResponse: req.truncateResponse,
  });

/** One call, no retry. Throws `ssrf_blocked` (HookbridgeError) or a TransportError. */
export async function sendOnce(req: OutboundRequest, net: OutboundNet): Promise<TransportResponse> {
  return sendPinned(req, await pinTarget(req.url, req.allowedHosts, net), net);
}
