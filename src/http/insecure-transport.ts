import type { Middleware } from 'koa';
import { PAGE_CSP } from '../pages/page-policy.ts';

const ALWAYS_ALLOWED = new Set(['/healthz', '/readyz']);

/**
 * For an https ISSUER. Every cookie is Secure and every URL says https: a request that arrived
 * over plain http (no TLS, or a proxy that is not trusted) cannot work, so it gets a clear answer
 * naming the fix instead of a failure deep inside the provider. Health checks stay reachable.
 */
export function refuseInsecureTransport({ issuer }: { issuer: string }): Middleware {
  const description = `this server's ISSUER is ${issuer}, but the request arrived over plain http: serve it through TLS, and if a proxy terminates TLS, list the proxy's address in TRUST_PROXY`;
  return async function insecureTransport(ctx, next) {
    if ((ctx.state as { arrivedOverHttps?: boolean }).arrivedOverHttps || ALWAYS_ALLOWED.has(ctx.path)) {
      await next();
      return;
    }
    ctx.status = 400;
    ctx.set('cache-control', 'no-store');
    if (ctx.method === 'GET' && ctx.accepts('json', 'html') === 'html') {
      ctx.set('content-security-policy', PAGE_CSP);
      ctx.type = 'html';
      ctx.body = `<!doctype html><meta charset="utf-8"><title>HTTPS required</title><h1>HTTPS required</h1><p>${description.replace(/[<>&]/g, '')}.</p>`;
      return;
    }
    ctx.body = { error: 'invalid_request', error_description: description };
  };
}
