import { accessTokenPerTarget, bearer, httpScenario } from './scenario.ts';

const accessToken = accessTokenPerTarget();

/** GET /me with a user's opaque access token. */
export const userinfo = httpScenario({
  id: 'userinfo',
  baseline: 'bare-provider',
  request: async (target) => ({ method: 'GET', path: '/me', headers: bearer(await accessToken(target)) }),
  check: (claims) => typeof claims.sub === 'string' && typeof claims.email === 'string',
});
