import { BENCH_SCOPE } from '../lib/fixtures.ts';
import { bearer, httpScenario } from './scenario.ts';

/** GET /protected with a valid JWT, against a bare Koa hello world. */
export const demoApi = httpScenario({
  id: 'demo-api',
  subjects: ['demo-api'],
  baseline: 'bare-koa',
  request: async (target) => ({ method: 'GET', path: '/protected', headers: bearer(await target.mintAccessToken!()) }),
  check: (answer) => answer.scope === BENCH_SCOPE,
});
