import type Provider from 'oidc-provider';
import type { AuditLog } from './audit-log.ts';

/**
 * What oidc-provider does that belongs in the audit trail: dynamic registrations (RFC 7591/7592),
 * the client acting for itself, and a refresh token used twice (the grant is revoked: RFC 9700
 * section 4.14.2 reuse detection).
 */
export function auditProviderEvents(provider: Provider, audit: AuditLog): void {
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
  type GrantErrorListener = (ctx: { ip: string; oidc?: { client?: { clientId: string }; entities?: { Account?: { accountId: string } } } }, error: { error_detail?: string; message?: string }) => void;
  (provider as unknown as { on(event: string, listener: GrantErrorListener): void }).on('grant.error', (ctx, error) => {
    if ((error.error_detail ?? error.message) !== 'refresh token already used') return;
    const clientId = ctx.oidc?.client?.clientId;
    audit.recordInBackground({
      actor: clientId ? `client:${clientId}` : 'anonymous',
      action: 'refresh_token.reuse_detected',
      target: ctx.oidc?.entities?.Account?.accountId,
      address: ctx.ip,
      outcome: 'failure',
      detail: { client_id: clientId, grant_revoked: true },
    });
  });
}
