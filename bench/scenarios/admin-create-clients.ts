import { BENCH_RESOURCE, BENCH_SCOPE } from '../lib/fixtures.ts';
import { bearer, httpScenario } from './scenario.ts';

/** POST /admin/v1/clients: registers a confidential client_credentials client (audited); no baseline. */
export const adminCreateClients = httpScenario({
  id: 'admin-create-clients',
  request: async (target) => ({
    origin: target.admin!.origin,
    method: 'POST',
    path: '/admin/v1/clients',
    headers: { ...bearer(await target.admin!.token()), 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'bench created client',
      grant_types: ['client_credentials'],
      scope: BENCH_SCOPE,
      audience: [BENCH_RESOURCE],
    }),
  }),
  status: 201,
  check: (answer) => typeof answer.client_id === 'string' && typeof answer.client_secret === 'string',
});
