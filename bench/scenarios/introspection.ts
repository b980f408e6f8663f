import { form } from '../lib/http.ts';
import { accessTokenPerTarget, httpScenario, tokenHeaders } from './scenario.ts';

const accessToken = accessTokenPerTarget();

/** POST /token/introspection of a user's opaque access token. */
export const introspection = httpScenario({
  id: 'introspection',
  baseline: 'bare-provider',
  request: async (target) => ({
    method: 'POST',
    path: '/token/introspection',
    headers: tokenHeaders(target),
    body: form({ token: await accessToken(target), token_type_hint: 'access_token' }),
  }),
  check: (answer) => answer.active === true,
});
