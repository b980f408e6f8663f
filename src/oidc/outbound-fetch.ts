/**
 * oidc-provider's `fetch` (back-channel logout, `jwks_uri`, `sector_identifier_uri`): its own
 * SSRF guard refuses special-use addresses (loopback, private ranges); the hosts an operator lists
 * in OUTBOUND_ALLOW_HOSTS (`host` or `host:port`, for apps on an intranet) skip that guard. The
 * time limit oidc-provider sets (2.5 s) and `redirect: 'manual'` stay.
 */
export function outboundFetch(allowedHosts: readonly string[]) {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  return (url: URL | string, options: RequestInit & { dispatcher?: unknown }): Promise<Response> => {
    const target = new URL(url);
    const listed = allowed.has(target.host.toLowerCase()) || allowed.has(target.hostname.toLowerCase());
    if (listed) delete options.dispatcher;
    return globalThis.fetch(target, options);
  };
}
