import type { Middleware } from 'koa';
import type { Logger } from '../observability/logger.ts';

/** Last line of defence for Portcullis's own routes: 4xx passes through, anything else is a bare 500. */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      const expose = status < 500 && (error as { expose?: boolean }).expose === true;
      if (!expose) logger.error({ err: error, path: ctx.path }, 'unhandled error');
      ctx.status = expose ? status : 500;
      ctx.set('cache-control', 'no-store');
      ctx.body = expose
        ? { error: 'invalid_request', error_description: (error as Error).message }
        : { error: 'server_error', error_description: 'an unexpected error occurred' };
    }
  };
}
