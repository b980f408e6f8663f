import type { InteractionDependencies } from './interaction-state.ts';

/** What the pages show of a client besides its name: its logo and its policy and terms links. */
export interface ClientPresentation {
  readonly logoUri: string | undefined;
  readonly policyUri: string | undefined;
  readonly tosUri: string | undefined;
}

const NOTHING: ClientPresentation = { logoUri: undefined, policyUri: undefined, tosUri: undefined };

/**
 * A client's `logo_uri`, `policy_uri` and `tos_uri` (OIDC Registration 2), shown only when https;
 * the logo and the policy only on the host of one of its redirect URIs, as OIDC Registration 9.1
 * asks: anyone may register a client, and another site's logo would let it pass as that site's app.
 */
export async function clientPresentationOf({ provider }: Pick<InteractionDependencies, 'provider'>, clientId: unknown): Promise<ClientPresentation> {
  const client = typeof clientId === 'string' ? await provider.current.Client.find(clientId) : undefined;
  if (!client) return NOTHING;
  const metadata = client.metadata();
  const hosts = new Set((Array.isArray(metadata.redirect_uris) ? (metadata.redirect_uris as unknown[]) : []).flatMap((uri) => (typeof uri === 'string' && URL.canParse(uri) ? [new URL(uri).host] : [])));
  const shown = (value: unknown, { sameHost }: { sameHost: boolean }): string | undefined => {
    if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
    const url = new URL(value);
    return url.protocol === 'https:' && (!sameHost || hosts.has(url.host)) ? url.toString() : undefined;
  };
  return { logoUri: shown(metadata.logo_uri, { sameHost: true }), policyUri: shown(metadata.policy_uri, { sameHost: true }), tosUri: shown(metadata.tos_uri, { sameHost: false }) };
}
