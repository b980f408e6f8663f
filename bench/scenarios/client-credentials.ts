import { BENCH_RESOURCE, BENCH_SCOPE } from '../lib/fixtures.ts';
import { form } from '../lib/http.ts';
import { httpScenario, tokenHeaders } from './scenario.ts';

/** POST /token, client_credentials for the resource: an RS256 JWT access token. */
export const clientCredentials = httpScenario({
  id: 'client-credentials',
  baseline: 'bare-provider',
  request: async (target) => ({
    method: 'POST',
    path: '/token',
    headers: tokenHeaders(target),
    body: form({ grant_type: 'client_credentials', resource: BENCH_RESOURCE, scope: BENCH_SCOPE }),
  }),
  check: ({ access_token: token }) => typeof token === 'string' && token.split('.').length === 3,
});
