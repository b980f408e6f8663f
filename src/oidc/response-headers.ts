import type Provider from 'oidc-provider';
import { pageCspFor } from '../pages/page-policy.ts';

// Discovery and keys change rarely; a shared cache may keep them briefly (every URL in them is
// built from ISSUER, never from the request, so one copy is right for everyone).
const CACHEABLE_ROUTES = new Set(['discovery', 'jwks']);
const CACHEABLE = 'public, max-age=300';

/** Cache-Control for discovery and JWKS; our page CSP on every HTML page oidc-provider renders. */
export function useResponseHeaders(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (ctx.status === 200 && CACHEABLE_ROUTES.has(route ?? '')) ctx.set('cache-control', CACHEABLE);
    if (ctx.response.is('html') && !ctx.response.get('content-security-policy')) {
      ctx.set('content-security-policy', pageCspFor(typeof ctx.body === 'string' ? ctx.body : ''));
    }
  });
}
