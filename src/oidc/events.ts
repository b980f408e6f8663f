import type Provider from 'oidc-provider';
import type { Logger } from '../observability/logger.ts';
import { requestIdOf } from '../observability/request-id.ts';

/** Logs provider events without tokens, codes or secrets: identifiers of clients and grants only. */
export function observeProvider(provider: Provider, logger: Logger): void {
  const log = logger.child({ component: 'oidc' });
  provider.on('server_error', (ctx, error) => {
    log.error({ err: { message: error.message, name: error.name, stack: error.stack }, path: ctx.path, requestId: requestIdOf(ctx.req) }, 'server error');
  });
  type RefusalListener = (ctx: { oidc?: { client?: { clientId: string } } }, error: Error & { error?: string; error_description?: string; error_detail?: string }) => void;
  const emitter = provider as unknown as { on(event: string, listener: RefusalListener): void };
  for (const event of ['grant.error', 'authorization.error', 'introspection.error', 'revocation.error', 'userinfo.error', 'end_session.error']) {
    emitter.on(event, (ctx, error) => {
      // `detail` is the real reason behind a generic description ("authorization code is expired",
      // "PKCE verification failed", ...): never a token, code or secret.
      log.info({ event, error: error.error ?? error.name, description: error.error_description, detail: error.error_detail, client: ctx.oidc?.client?.clientId }, 'request refused');
    });
  }
  provider.on('grant.revoked', (ctx, grantId) => {
    log.warn({ grantId, client: ctx.oidc?.client?.clientId }, 'grant revoked');
  });
  provider.on('grant.success', (ctx) => {
    log.debug({ client: ctx.oidc?.client?.clientId }, 'token issued');
  });
}
