import type Provider from 'oidc-provider';
import type { AuditLog } from './audit-log.ts';

/** Dynamic registrations (RFC 7591/7592) written to the audit trail, the client acting for itself. */
export function auditDynamicRegistration(provider: Provider, audit: AuditLog): void {
  const events = [
    ['registration_create.success', 'client.registered'],
    ['registration_update.success', 'client.registration_updated'],
    ['registration_delete.success', 'client.registration_deleted'],
  ] as const;
  type Listener = (ctx: { ip: string; oidc?: { client?: { clientId: string } } }, client?: { clientId: string }) => void;
  const emitter = provider as unknown as { on(event: string, listener: Listener): void };
  for (const [event, action] of events) {
    emitter.on(event, (ctx, client) => {
      const clientId = client?.clientId ?? ctx.oidc?.client?.clientId;
      audit.recordInBackground({ actor: clientId ? `client:${clientId}` : 'anonymous', action, target: clientId, address: ctx.ip });
    });
  }
}
