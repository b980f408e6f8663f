import { httpScenario, tokenHeaders } from './scenario.ts';

/** POST /token, refresh_token with rotation; the load worker chains the rotated tokens through a pool. */
export const refresh = httpScenario({
  id: 'refresh',
  baseline: 'bare-provider',
  request: async (target, options) => ({
    method: 'POST',
    path: '/token',
    headers: tokenHeaders(target),
    // One unused token per connection plus as many spares.
    refreshTokens: await target.mintRefreshTokens!(options.connections * 2),
  }),
  check: (answer) => typeof answer.refresh_token === 'string' && typeof answer.id_token === 'string',
});
