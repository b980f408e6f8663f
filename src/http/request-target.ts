import type { Context } from 'koa';

/**
 * Changes the request target that Koa and oidc-provider read. Koa keeps the target it was created
 * with as `originalUrl` and builds `href` (and oidc-provider its URLs) from that, so both change.
 */
export function rewriteRequestTarget(ctx: Context, target: string): void {
  ctx.req.url = target;
  ctx.originalUrl = target;
  ctx.request.originalUrl = target;
}
