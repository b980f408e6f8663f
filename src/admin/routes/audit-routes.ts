import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.ts';
import { defineRoute, type AdminRoute } from '../admin-route.ts';
import { listAnswer, listSchema, pageQuery, pageRequestOf } from '../pagination.ts';
import { safeString } from '../safe-string.ts';

const event = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string().describe('client:<id>, cli, user:<id>, anonymous or system'),
  action: z.string(),
  target: z.string().nullable(),
  address: z.string().nullable(),
  outcome: z.string(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});

export function auditRoutes(audit: AuditLog): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/admin/v1/audit-events', operationId: 'listAuditEvents', summary: 'The audit trail, newest first; ?action= filters', group: 'audit', access: 'read',
      query: pageQuery.extend({ action: safeString(100).optional().describe('e.g. client.created, login.failed') }),
      responses: { 200: { description: 'a page of events', schema: listSchema(event) } },
      handle: async ({ ctx, query }) => listAnswer(ctx, query, await audit.page(pageRequestOf(query), { action: query.action }), (item) => item, () => audit.count({ action: query.action })),
    }),
  ];
}
