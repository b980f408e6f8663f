import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import type { SigningAlgorithm } from './signing-keys.ts';

/**
 * Maps a `resource` parameter (RFC 8707) to a registered API: its scopes, audience, lifetime and
 * token format. Unknown resources are refused with `invalid_target`.
 */
export function createResourceServerInfo(resources: ResourceRegistry, signingAlg: SigningAlgorithm) {
  return async (_ctx: KoaContextWithOIDC, indicator: string) => {
    const resource = await resources.find(indicator);
    if (!resource) throw new errors.InvalidTarget(`resource ${indicator} is not registered`);
    return {
      scope: resource.scopes.join(' '),
      audience: resource.identifier,
      accessTokenTTL: resource.accessTokenTtl,
      accessTokenFormat: resource.tokenFormat,
      ...(resource.tokenFormat === 'jwt' ? { jwt: { sign: { alg: signingAlg } } } : {}),
    };
  };
}
