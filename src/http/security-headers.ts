import type { Middleware } from 'koa';

/**
 * Headers every response gets, set on the raw response so they also apply to what oidc-provider
 * writes itself.
 */
export function securityHeaders({ hsts }: { hsts: boolean }): Middleware {
  return async (ctx, next) => {
    const res = ctx.res;
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    if (hsts) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
