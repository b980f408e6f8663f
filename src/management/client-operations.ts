import type { AuditLog } from '../audit/audit-log.ts';
import { secretStatusOf } from '../clients/client-record.ts';
import type { ClientMetadata, ClientRegistry, RegistrationResponse, SecretRotation } from '../clients/client-registry.ts';
import { ClientNotFoundError } from '../clients/errors.ts';
import type { Page, PageRequest } from '../db/keyset.ts';
import { AppError } from '../errors/app-error.ts';
import type { OperationContext } from './operation-context.ts';

/** A client as an admin reads it: its metadata and when its secrets were last used, never a secret. */
export type ClientView = ClientMetadata & { client_secret_status: ReturnType<typeof secretStatusOf> };

const isAdmin = (metadata: unknown): boolean => Boolean(metadata && typeof metadata === 'object' && (metadata as { admin?: unknown }).admin === true);

/** Only a caller with every admin right may touch an admin client: no escalation from a narrower one. */
function requireAdminManagement(context: OperationContext, clientId: string | undefined): void {
  if (context.mayManageAdmins) return;
  throw new AppError('insufficient_scope', `${clientId ? `client ${clientId} is` : 'this would be'} an admin client: creating, changing, rotating or deleting one needs admin:write`);
}

/** The top-level fields whose values differ, for the audit trail (never the values themselves). */
const changedFields = (before: Record<string, unknown>, after: Record<string, unknown>): string[] =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();

/** Client administration shared by the CLI and the admin API; every change is audited. */
export function clientOperations(clients: ClientRegistry, audit: AuditLog) {
  const guardAdmin = async (context: OperationContext, clientId: string) => {
    const current = await clients.read(clientId);
    if (!current) throw new ClientNotFoundError(`no client ${clientId}`);
    if (isAdmin(current.metadata)) requireAdminManagement(context, clientId);
    return current;
  };
  const view = async (clientId: string): Promise<ClientView> => {
    const record = await clients.read(clientId);
    if (!record) throw new ClientNotFoundError(`no client ${clientId}`);
    return { ...record.metadata, client_secret_status: secretStatusOf(record) };
  };
  return {
    warningsFor: (metadata: unknown) => clients.warningsFor(metadata),
    async create(context: OperationContext, metadata: unknown): Promise<RegistrationResponse> {
      if (isAdmin(metadata)) requireAdminManagement(context, undefined);
      const created = await clients.create(metadata);
      await audit.record({ ...context, action: 'client.created', target: created.client_id, detail: { admin: created.admin === true } });
      return created;
    },
    async update(context: OperationContext, clientId: string, patch: unknown): Promise<RegistrationResponse> {
      const before = await guardAdmin(context, clientId);
      if (isAdmin(patch)) requireAdminManagement(context, clientId);
      const updated = await clients.update(clientId, patch);
      const { client_secret: _shownOnce, client_id_issued_at: _issued, client_secret_expires_at: _expiry, ...after } = updated;
      await audit.record({ ...context, action: 'client.updated', target: clientId, detail: { fields: changedFields(before.metadata, after) } });
      return updated;
    },
    async rotateSecret(context: OperationContext, clientId: string, options: { previousSecretValidFor?: number } = {}): Promise<SecretRotation> {
      await guardAdmin(context, clientId);
      const rotated = await clients.rotateSecret(clientId, options);
      await audit.record({ ...context, action: 'client.secret_rotated', target: clientId, detail: { previous_valid_until: rotated.previous_secret_expires_at } });
      return rotated;
    },
    async delete(context: OperationContext, clientId: string): Promise<void> {
      await guardAdmin(context, clientId);
      await clients.delete(clientId);
      await audit.record({ ...context, action: 'client.deleted', target: clientId });
    },
    show: view,
    async page(request: PageRequest): Promise<Page<ClientView>> {
      const page = await clients.page(request);
      return { items: page.items.map((record) => ({ ...record.metadata, client_secret_status: secretStatusOf(record) })), next: page.next };
    },
    count: () => clients.count(),
    list: () => clients.list(),
  };
}

export type ClientOperations = ReturnType<typeof clientOperations>;
