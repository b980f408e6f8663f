/**
 * Demo protected API: shows how an API plugs in the resource-server module.
 *
 * Routes: `GET /protected` (scope `api:read`) -> `{ sub, client_id, scope }`,
 * `GET /healthz` -> `{ status: 'ok' }`, anything else -> 404 JSON.
 */
import Koa from 'koa';
import { Router } from '@koa/router';
import type { Logger } from 'pino';
import { createResourceServer, type ResourceServerOptions } from '../resource-server/index.ts';

export interface DemoApiOptions extends ResourceServerOptions {
  /** Receives unexpected handler errors (never tokens). */
  readonly logger?: Logger;
}

/**
 * Builds the demo API Koa app (not listening).
 *
 * @example
 * ```ts
 * const app = createDemoApi({ issuer: 'http://localhost:3000', audience: 'https://api.example.com' });
 * app.listen(4000);
 * ```
 */
export function createDemoApi(options: DemoApiOptions): Koa {
  const { logger, ...resourceServerOptions } = options;
  const rs = createResourceServer(resourceServerOptions);
  const app = new Koa();
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/protected', rs.requireScopes('api:read'), (ctx) => {
    const { sub, clientId, scopes } = ctx.state.auth;
    ctx.body = { sub: sub ?? clientId, client_id: clientId, scope: scopes.join(' ') };
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      logger?.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'internal server error' };
      return;
    }
    if (ctx.status === 404 && ctx.body == null) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', error_description: 'no such route' };
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** Alias of {@link createDemoApi}. */
export const createApp = createDemoApi;
