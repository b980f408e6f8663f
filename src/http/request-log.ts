import type { Middleware } from 'koa';
import { appPath } from './issuer-path.ts';
import type { Logger } from '../observability/logger.ts';
import { requestIdOf } from '../observability/request-id.ts';

/** One line per request: method, path (never the query string, which may carry codes), status, time. */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    ctx.res.once('finish', () => {
      const status = ctx.res.statusCode;
      const level = status >= 500 ? 'error' : 'info';
      logger[level]({ method: ctx.method, path: appPath(ctx, ctx.path), status, ms: Math.round(performance.now() - started), requestId: requestIdOf(ctx.req) }, 'request');
    });
    await next();
  };
}
