import type Provider from 'oidc-provider';

const GRANT_TYPE_NOT_ALLOWED = 'requested grant type is not allowed for this client';

/**
 * RFC 6749 section 5.2 names `unauthorized_client` for a client using a grant type it is not
 * registered for; oidc-provider answers `invalid_request`. Corrected after the provider responds.
 */
export function useRfc6749ErrorCodes(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    if (ctx.status === 400 && body?.error === 'invalid_request' && body.error_description === GRANT_TYPE_NOT_ALLOWED) {
      body.error = 'unauthorized_client';
    }
  });
}
