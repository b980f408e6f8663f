import type { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Page, PageRequest } from '../db/keyset.ts';
import { ResourceNotFoundError, type newResourceSchema, type Resource, type ResourceRegistry, type resourceChangesSchema } from '../resources/resource-registry.ts';
import type { OperationContext } from './operation-context.ts';

/** API (resource) administration shared by the CLI and the admin API; every change is audited. */
export function resourceOperations(resources: ResourceRegistry, audit: AuditLog) {
  return {
    async create(context: OperationContext, input: z.input<typeof newResourceSchema>): Promise<Resource> {
      const resource = await resources.create(input);
      await audit.record({ ...context, action: 'resource.created', target: resource.identifier, detail: { scopes: resource.scopes } });
      return resource;
    },
    async update(context: OperationContext, identifier: string, changes: z.input<typeof resourceChangesSchema>): Promise<Resource> {
      const resource = await resources.update(identifier, changes);
      await audit.record({ ...context, action: 'resource.updated', target: identifier, detail: { fields: Object.keys(changes) } });
      return resource;
    },
    async delete(context: OperationContext, identifier: string): Promise<void> {
      await resources.delete(identifier);
      await audit.record({ ...context, action: 'resource.deleted', target: identifier });
    },
    async show(identifier: string): Promise<Resource> {
      const resource = await resources.find(identifier);
      if (!resource) throw new ResourceNotFoundError(`no resource ${identifier}`);
      return resource;
    },
    page: (request: PageRequest): Promise<Page<Resource>> => resources.page(request),
    count: () => resources.count(),
    list: () => resources.list(),
  };
}

export type ResourceOperations = ReturnType<typeof resourceOperations>;
