import type { Middleware } from 'koa';
import { rewriteRequestTarget } from './request-target.ts';
import { arrivedOverHttps, clientAddressOf, type ProxyTrust } from './proxy-trust.ts';

const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip'];

/**
 * The one place that decides who the client is and how the request arrived. Forwarded headers are
 * believed only from trusted proxies; afterwards the request carries exactly one X-Forwarded-For
 * (the client), and a Host and X-Forwarded-Proto taken from ISSUER, so that Koa, oidc-provider
 * and every URL they build agree, whatever Host the client or a load balancer sent. Whether the
 * request really arrived over TLS is kept in `ctx.state.arrivedOverHttps` (insecure-transport.ts).
 */
const originFormOf = (target: string): string => {
  if (!URL.canParse(target)) return '/';
  const { pathname, search } = new URL(target);
  return `${pathname}${search}`;
};

export function normalizeForwardedHeaders({ issuer, trust }: { issuer: string; trust: ProxyTrust }): Middleware {
  const { host: issuerHost, protocol } = new URL(issuer);
  const issuerProto = protocol.slice(0, -1);
  return async function forwardedHeaders(ctx, next) {
    const { req } = ctx;
    const address = clientAddressOf(req, trust);
    (ctx.state as { arrivedOverHttps?: boolean }).arrivedOverHttps = arrivedOverHttps(req, trust);
    for (const header of FORWARDED) delete req.headers[header];
    // An absolute-form target (`GET http://evil.example/x`) would set the URLs Koa and the
    // provider build; only its path and query are kept.
    if (req.url && !req.url.startsWith('/')) rewriteRequestTarget(ctx, originFormOf(req.url));
    req.headers['x-forwarded-for'] = address;
    req.headers['x-forwarded-proto'] = issuerProto;
    req.headers.host = issuerHost;
    await next();
  };
}
