import type { OutboundAgents } from './outbound-agents.ts';

export interface OutboundFetchOptions {
  /** OUTBOUND_ALLOW_HOSTS: `host` or `host:port`. */
  readonly allowHosts: readonly string[];
  /** Pools trusting OUTBOUND_CA_FILE; undefined: oidc-provider's own (the default CAs). */
  readonly agents?: OutboundAgents | undefined;
  /** Answers oidc-provider's GET of a client ID metadata document (src/cimd/); undefined: the feature is off. */
  readonly metadataDocument?: ((url: string) => Promise<Response>) | undefined;
}

type FetchOptions = RequestInit & { dispatcher?: unknown };

/**
 * oidc-provider 9.13 fetches a client ID metadata document, and nothing else, as a GET that does
 * not follow redirects (lib/helpers/client_id_metadata_document.js); `jwks_uri` and
 * `sector_identifier_uri` are GETs without `redirect`, back-channel requests are POSTs.
 */
const isMetadataDocumentFetch = (options: FetchOptions): boolean => (options.method ?? 'GET').toUpperCase() === 'GET' && options.redirect === 'manual';

/**
 * oidc-provider's `fetch` (back-channel logout, `jwks_uri`, `sector_identifier_uri`, client ID
 * metadata documents): its own SSRF guard refuses special-use addresses (loopback, private
 * ranges); the hosts an operator lists in OUTBOUND_ALLOW_HOSTS (`host` or `host:port`, for apps on
 * an intranet) skip that guard. With OUTBOUND_CA_FILE the same happens through pools that trust it.
 * The time limit oidc-provider sets (2.5 s) and `redirect: 'manual'` stay. A metadata document is
 * not fetched here: the shared cache answers (src/cimd/provider-feature.ts), its own fetch behind it.
 */
export function outboundFetch(options: OutboundFetchOptions) {
  const allowed = new Set(options.allowHosts.map((host) => host.toLowerCase()));
  return (url: URL | string, init: FetchOptions): Promise<Response> => {
    // The client_id exactly as it was given: the shared cache knows it by that string.
    if (options.metadataDocument && isMetadataDocumentFetch(init)) return options.metadataDocument(typeof url === 'string' ? url : url.href);
    const target = new URL(url);
    const listed = allowed.has(target.host.toLowerCase()) || allowed.has(target.hostname.toLowerCase());
    if (options.agents) init.dispatcher = listed ? options.agents.open : options.agents.guarded;
    else if (listed) delete init.dispatcher;
    return globalThis.fetch(target, init);
  };
}
