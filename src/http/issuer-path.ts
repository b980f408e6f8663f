import type { Context, Middleware } from 'koa';
import type { Views } from '../pages/views.ts';
import { answerRefusal } from './refusal.ts';

declare module 'koa' {
  interface BaseContext {
    /** Where the app is served, as koa-mount names it (oidc-provider reads it for the URLs it builds). */
    mountPath?: string;
  }
}

const DISCOVERY_DOCUMENTS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'] as const;
/** Outside the issuer's path: probes, and a pointer to the issuer for whoever opens the host. */
const ALSO_AT_ROOT = new Set(['/', '/healthz', '/readyz']);

/** The path of ISSUER without a trailing slash: '' when it has none. */
export function issuerPathOf(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

/** A path of this app as a browser must ask for it: under the issuer's path, if the request came there. */
export function appPath(ctx: Pick<Context, 'mountPath'>, path: string): string {
  return `${ctx.mountPath ?? ''}${path}`;
}

/**
 * Serves the app under the issuer's path, as oidc-provider assumes (its URLs and cookies follow
 * ISSUER): `/tenant/auth` reaches `/auth`. Discovery is also answered at the path-inserted
 * well-known URLs (RFC 8414 3.1, which MCP clients try first); anything else outside the path is
 * not ours and gets a 404.
 */
export function servedUnderIssuerPath({ issuer, views }: { issuer: string; views: Views }): Middleware {
  const base = issuerPathOf(issuer);
  const inserted = new Map(DISCOVERY_DOCUMENTS.map((document) => [`${document}${base}`, document]));
  return async function underIssuerPath(ctx, next) {
    if (!base || ALSO_AT_ROOT.has(ctx.path)) {
      await next();
      return;
    }
    if (ctx.path === base || ctx.path.startsWith(`${base}/`)) {
      ctx.mountPath = base;
      ctx.path = ctx.path.slice(base.length) || '/';
      await next();
      return;
    }
    const document = inserted.get(ctx.path.replace(/\/$/, ''));
    if (document) {
      ctx.mountPath = base;
      ctx.path = document;
      await next();
      return;
    }
    const { path } = ctx;
    await answerRefusal(ctx, views, {
      status: 404,
      error: 'invalid_request',
      description: `nothing is served at ${path}: this server's paths are under ${base}`,
      heading: 'Page not found',
    }, { asPage: ctx.method === 'GET' && ctx.accepts('json', 'html') === 'html' });
  };
}
