import { DEEP_PAGE_AFTER, seedClientsOnce, seededName } from '../lib/seed-clients.ts';
import type { Target } from '../lib/targets.ts';
import { bearer, httpScenario } from './scenario.ts';

const PAGE_SIZE = 50;

const listRequest = async (target: Target, cursor?: string) => ({
  origin: target.admin!.origin,
  method: 'GET' as const,
  path: `/admin/v1/clients?limit=${PAGE_SIZE}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
  headers: bearer(await target.admin!.token()),
});

/** A full page whose first client is seeded client `first` (so the page is the one asked for). */
const pageStartingAt =
  (first: number) =>
  (answer: Record<string, unknown>): boolean => {
    const items = Array.isArray(answer.items) ? (answer.items as { client_name?: unknown }[]) : [];
    return items.length === PAGE_SIZE && typeof answer.next_cursor === 'string' && items[0]?.client_name === seededName(first);
  };

/** GET /admin/v1/clients?limit=50, the first page, with 10,000 clients seeded in PostgreSQL; no baseline. */
export const adminListClients = httpScenario({
  id: 'admin-list-clients',
  subjects: ['postgres'],
  request: async (target) => {
    await seedClientsOnce(target);
    return listRequest(target);
  },
  check: pageStartingAt(1),
});

/** The same list, 50 clients after the first 9,000 (keyset cursor); no baseline. */
export const adminListClientsDeep = httpScenario({
  id: 'admin-list-clients-deep',
  subjects: ['postgres'],
  request: async (target) => listRequest(target, (await seedClientsOnce(target)).deepCursor),
  check: pageStartingAt(DEEP_PAGE_AFTER + 1),
});
