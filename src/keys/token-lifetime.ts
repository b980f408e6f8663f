import type { Config } from '../config/config.ts';
import type { Resource } from '../resources/resource-registry.ts';

/**
 * Added to a retired key's publication: instances still converging on a rotation (at most 10 s)
 * sign with the old key meanwhile, and verifiers' clocks may run behind ours.
 */
export const RETIREMENT_MARGIN_SECONDS = 120;

type Lifetimes = Pick<Config, 'ttl'> & { readonly admin: Pick<Config['admin'], 'tokenTtl'> };

/**
 * The longest a token signed now can stay valid, in seconds: ID tokens, access tokens (user and
 * client credentials), the admin API's tokens, and the JWT access tokens of every registered
 * resource with its own lifetime. Refresh tokens, codes and opaque access tokens are not signed.
 */
export async function longestSignedTokenLifetime(
  config: Lifetimes,
  resources: { list(): Promise<readonly Pick<Resource, 'accessTokenTtl' | 'tokenFormat'>[]> },
): Promise<number> {
  const resourceTtls = (await resources.list())
    .filter((resource) => resource.tokenFormat === 'jwt')
    .map((resource) => resource.accessTokenTtl);
  return Math.max(config.ttl.idToken, config.ttl.accessToken, config.ttl.clientCredentials, config.admin.tokenTtl, ...resourceTtls);
}
