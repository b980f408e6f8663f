/**
 * Demo protected API: shows how an API plugs in the resource-server package
 * (`@portcullis/resource-server`, packages/resource-server/).
 *
 * Routes: `GET /protected` (scope `api:read`) -> `{ sub, client_id, scope }`,
 * `GET /healthz` -> `{ status: 'ok' }`, the RFC 9728 metadata at
 * `/.well-known/oauth-protected-resource` (named by every 401 / 403 challenge),
 * anything else -> 404 JSON.
 *
 * Routing is a plain switch in one middleware rather than @koa/router: this app
 * doubles as the benchmark target, and per-request router dispatch costs more
 * than the token check itself. In a real API, `router.get('/protected',
 * requireAuth(rs, 'api:read'), handler)` works the same way.
 */
import Koa from 'koa';
import type { Logger } from 'pino';
import { createResourceServer, type ResourceServerOptions } from '@portcullis/resource-server';
import { protectedResourceMetadata, requireAuth, type ResourceServerState } from '@portcullis/resource-server/koa';

export interface DemoApiOptions extends ResourceServerOptions {
  /** Receives unexpected handler errors (never tokens). */
  readonly logger?: Logger;
}

type DemoContext = Koa.ParameterizedContext<ResourceServerState>;

const READ_METHODS = 'GET, HEAD';

function protectedResource(ctx: DemoContext): Promise<void> {
  const { sub, clientId, scopes } = ctx.state.auth;
  ctx.body = { sub: sub ?? clientId, client_id: clientId, scope: scopes.join(' ') };
  return Promise.resolve();
}

function methodNotAllowed(ctx: DemoContext): void {
  ctx.status = 405;
  ctx.set('Allow', READ_METHODS);
  ctx.body = { error: 'method_not_allowed', error_description: `use ${READ_METHODS}` };
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
export function createDemoApi(options: DemoApiOptions): Koa<ResourceServerState> {
  const { logger, ...resourceServerOptions } = options;
  const rs = createResourceServer(resourceServerOptions);
  const requireRead = requireAuth(rs, 'api:read');
  const serveMetadata = protectedResourceMetadata(rs);
  const metadataPaths = new Set(rs.resourceMetadataPaths);
  const app = new Koa<ResourceServerState>();

  app.use(async (ctx) => {
    const isRead = ctx.method === 'GET' || ctx.method === 'HEAD';
    try {
      switch (ctx.path) {
        case '/protected':
          if (!isRead) return methodNotAllowed(ctx);
          await requireRead(ctx, () => protectedResource(ctx));
          return undefined;
        case '/healthz':
          if (!isRead) return methodNotAllowed(ctx);
          ctx.body = { status: 'ok' };
          return undefined;
        default:
          if (metadataPaths.has(ctx.path)) {
            await serveMetadata(ctx, () => Promise.resolve());
            return undefined;
          }
          ctx.status = 404;
          ctx.body = { error: 'not_found', error_description: 'no such route' };
          return undefined;
      }
    } catch (error) {
      logger?.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'internal server error' };
      return undefined;
    }
  });
  return app;
}
