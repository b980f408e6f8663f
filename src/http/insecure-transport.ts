import type { Middleware } from 'koa';
import type { Views } from '../pages/views.ts';
import { answerRefusal } from './refusal.ts';

const ALWAYS_ALLOWED = new Set(['/healthz', '/readyz']);

/**
 * For an https ISSUER. Every cookie is Secure and every URL says https: a request that arrived
 * over plain http (no TLS, or a proxy that is not trusted) cannot work, so it gets a clear answer
 * naming the fix instead of a failure deep inside the provider. Health checks stay reachable.
 */
export function refuseInsecureTransport({ issuer, views }: { issuer: string; views: Views }): Middleware {
  const refusal = {
    status: 400,
    error: 'invalid_request',
    heading: 'HTTPS required',
    description: `this server's ISSUER is ${issuer}, but the request arrived over plain http: serve it through TLS, and if a proxy terminates TLS, list the proxy's address in TRUST_PROXY`,
  };
  return async function insecureTransport(ctx, next) {
    if ((ctx.state as { arrivedOverHttps?: boolean }).arrivedOverHttps || ALWAYS_ALLOWED.has(ctx.path)) {
      await next();
      return;
    }
    await answerRefusal(ctx, views, refusal, { asPage: ctx.method === 'GET' && ctx.accepts('json', 'html') === 'html' });
  };
}
