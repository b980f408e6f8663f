import Router from '@koa/router';
import Koa from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.ts';
import { createInteractionRouter } from '../interactions/interaction-router.ts';
import type { LoginThrottle } from '../interactions/login-throttle.ts';
import type { Views } from '../interactions/views.ts';
import { checkReadiness, type HealthCheck } from '../observability/health.ts';
import type { Logger } from '../observability/logger.ts';
import { errorHandler } from './error-handler.ts';
import { requestLog } from './request-log.ts';
import { securityHeaders } from './security-headers.ts';

export interface AppDependencies {
  readonly issuer: string;
  readonly provider: Provider;
  readonly accounts: AccountService;
  readonly throttle: LoginThrottle;
  readonly views: Views;
  readonly logger: Logger;
  readonly cookieKeys: readonly string[];
  readonly trustProxy: boolean;
  readonly healthChecks: readonly HealthCheck[];
}

/**
 * The public HTTP app: health endpoints and interaction pages are Portcullis's own; every other
 * path is handed to oidc-provider.
 */
export function createApp(deps: AppDependencies): Koa {
  const secure = new URL(deps.issuer).protocol === 'https:';
  // maxIpsCount 1: behind a proxy, trust only the hop it appended to X-Forwarded-For (throttling keys on it).
  const app = new Koa({ proxy: deps.trustProxy, maxIpsCount: 1, keys: [...deps.cookieKeys] });
  app.silent = true;

  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const readiness = await checkReadiness(deps.healthChecks);
    ctx.set('cache-control', 'no-store');
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = { status: readiness.ready ? 'ready' : 'unavailable', checks: readiness.checks };
  });
  router.get('/', (ctx) => {
    ctx.body = {
      name: 'Portcullis',
      issuer: deps.issuer,
      discovery: `${deps.issuer}/.well-known/openid-configuration`,
    };
  });

  const interactions = createInteractionRouter({
    provider: deps.provider,
    accounts: deps.accounts,
    throttle: deps.throttle,
    views: deps.views,
    logger: deps.logger.child({ component: 'interaction' }),
    secureCookies: secure,
  });

  const handToProvider = deps.provider.callback();

  app.use(requestLog(deps.logger.child({ component: 'http' })));
  app.use(securityHeaders({ hsts: secure }));
  app.use(errorHandler(deps.logger));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());
  app.use(async (ctx) => {
    ctx.respond = false;
    await handToProvider(ctx.req, ctx.res);
  });
  return app;
}
