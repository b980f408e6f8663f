import type Provider from 'oidc-provider';
import type { Metrics } from './metrics.ts';

/** Counts every successful token response by its grant type. */
export function countIssuedTokens(provider: Provider, metrics: Metrics): void {
  provider.on('grant.success', (ctx) => {
    const grantType = (ctx.oidc.params as { grant_type?: unknown } | undefined)?.grant_type;
    metrics.tokenIssued(typeof grantType === 'string' ? grantType : 'other');
  });
}
