import type { Middleware } from 'koa';
import { AppError, expectedFailure } from '../errors/app-error.ts';
import { toProblemDetails } from '../errors/problem-details.ts';
import type { Logger } from '../observability/logger.ts';
import { requestIdOf } from '../observability/request-id.ts';

/** Every admin answer that is not a success is RFC 9457 problem details; never a stack trace. */
export function problemDetails(logger: Logger): Middleware {
  return async function answerWithProblem(ctx, next) {
    let failure: unknown;
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) failure = new AppError('not_found', `no route ${ctx.method} ${ctx.path}`);
      else if (ctx.status === 405) failure = new AppError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`, { headers: { allow: ctx.response.get('allow') } });
      else return;
    } catch (error) {
      failure = error;
    }
    const expected = expectedFailure(failure);
    const requestId = requestIdOf(ctx.req);
    if (!expected?.expose) logger.error({ err: failure, path: ctx.path, requestId }, 'admin request failed');
    const problem = toProblemDetails(expected, requestId);
    ctx.status = problem.status;
    ctx.set('cache-control', 'no-store');
    for (const [name, value] of Object.entries(expected?.headers ?? {})) if (value) ctx.set(name, value);
    if (expected?.retryAfter) ctx.set('retry-after', String(expected.retryAfter));
    ctx.body = JSON.stringify(problem);
    ctx.type = 'application/problem+json';
  };
}
