import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { z } from 'zod';
import { validate } from '../errors/validation.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { adminTextBoundary } from '../http/text-boundary.ts';
import { requestLog } from '../http/request-log.ts';
import { addHealthRoutes, type HealthCheck } from '../observability/health.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { assignRequestId } from '../observability/request-id.ts';
import type { AdminAuthenticator } from './admin-auth.ts';
import { routerPath, type AdminRoute } from './admin-route.ts';
import { ADMIN_SCOPES, scopesGranting } from './admin-scopes.ts';
import { readJsonBody } from './json-body.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { problemDetails } from './problem-handler.ts';

export interface AdminAppDependencies {
  readonly issuer: string;
  readonly resource: string;
  readonly version: string;
  readonly routes: readonly AdminRoute[];
  readonly authenticate: AdminAuthenticator;
  readonly metrics: Metrics;
  readonly healthChecks: readonly HealthCheck[];
  readonly logger: Logger;
}

const NO_QUERY = z.object({}).strict();

/** Runs one admin route: token and scope first, then the request's parts through the route's own schemas. */
function routeHandler(route: AdminRoute, authenticate: AdminAuthenticator) {
  return async function handleAdminRoute(ctx: Context) {
    const caller = await authenticate(ctx, scopesGranting(route.group, route.access));
    const params = route.params ? validate(route.params, ctx.params) : undefined;
    const query = validate(route.query ?? NO_QUERY, { ...ctx.query });
    const raw = route.method === 'GET' || route.method === 'DELETE' ? undefined : await readJsonBody(ctx);
    const body = route.body ? validate(route.body, raw) : undefined;
    const result = await route.handle({ params, query, body, ctx, operation: { actor: `client:${caller.clientId}`, address: ctx.ip, mayManageAdmins: caller.scopes.includes('admin:write') } });
    ctx.set('cache-control', 'no-store');
    for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
    ctx.status = result.status;
    if (result.body !== undefined) ctx.body = result.body;
  };
}

/**
 * The admin listener's app (ADMIN_PORT): `/admin/v1/...` with admin tokens, its OpenAPI document,
 * Prometheus metrics, RFC 9728 metadata and health, on its own port so the public listener never
 * serves any of it.
 */
export function createAdminApp(deps: AdminAppDependencies): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  const router = new Router();
  addHealthRoutes(router, deps.healthChecks);
  router.get('/metrics', async (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.type = deps.metrics.contentType;
    ctx.body = await deps.metrics.render();
  });
  // Built at the first request: a server nobody asks for it keeps that memory.
  let openApi: string | undefined;
  router.get('/openapi.json', (ctx) => {
    openApi ??= JSON.stringify(buildOpenApiDocument(deps.routes, { issuer: deps.issuer, version: deps.version }));
    ctx.type = 'application/json';
    ctx.body = openApi;
  });
  router.get('/.well-known/oauth-protected-resource', (ctx) => {
    // Built from the Host the caller used: never cached for someone else.
    ctx.set('cache-control', 'no-store');
    ctx.body = {
      resource: deps.resource,
      authorization_servers: [deps.issuer],
      scopes_supported: ADMIN_SCOPES,
      bearer_methods_supported: ['header'],
      resource_name: 'Portcullis admin API',
      resource_documentation: `${ctx.protocol}://${ctx.host}/openapi.json`,
    };
  });
  for (const route of deps.routes) {
    router.register(routerPath(route.path), [route.method], routeHandler(route, deps.authenticate), { name: route.operationId });
  }

  app.use(assignRequestId());
  app.use(requestLog(deps.logger.child({ component: 'admin' })));
  app.use(deps.metrics.httpMiddleware((ctx) => (ctx as Context & { _matchedRoute?: string })._matchedRoute));
  app.use(securityHeaders({ hsts: false }));
  app.use(problemDetails(deps.logger.child({ component: 'admin' })));
  app.use(adminTextBoundary());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
