import type Provider from 'oidc-provider';
import { requestIdOf } from '../observability/request-id.ts';

const GRANT_TYPE_NOT_ALLOWED = 'requested grant type is not allowed for this client';

/**
 * Corrections to oidc-provider's JSON errors, after it responds: RFC 6749 section 5.2 names
 * `unauthorized_client` for a client using a grant type it is not registered for, where
 * oidc-provider answers `invalid_request`.
 */
export function useRfc6749ErrorCodes(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    if (ctx.status === 400 && body?.error === 'invalid_request' && body.error_description === GRANT_TYPE_NOT_ALLOWED) {
      body.error = 'unauthorized_client';
    }
    // The generic answer names the request id that the 'server error' log line also carries.
    if (ctx.status >= 500 && body?.error === 'server_error' && typeof ctx.body === 'object') {
      body.error_description = `an unexpected error occurred (request id ${requestIdOf(ctx.req)})`;
    }
  });
}
