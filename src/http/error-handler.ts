import type { Middleware } from 'koa';
import { expectedFailure, type AppError, type ErrorCode } from '../errors/app-error.ts';
import { isDependencyOutage } from '../errors/outage.ts';
import type { Logger } from '../observability/logger.ts';
import { requestIdOf } from '../observability/request-id.ts';

const OAUTH_CODE: Partial<Record<ErrorCode, string>> = {
  invalid_client_metadata: 'invalid_client_metadata',
  rate_limited: 'temporarily_unavailable',
  unavailable: 'temporarily_unavailable',
  server_error: 'server_error',
};

/** An expected failure in OAuth's vocabulary: every other client error is `invalid_request`. */
export const toProtocolError = (error: AppError): { error: string; error_description: string } => ({
  error: OAUTH_CODE[error.code] ?? 'invalid_request',
  error_description: error.message,
});

/**
 * The protocol-JSON translation of a failure on Portcullis's own routes (OAuth's `error` and
 * `error_description`). Anything unexpected is logged with the request id and answered generically
 * with that id, never with its message.
 */
export function errorHandler(logger: Logger): Middleware {
  return async function answerFailure(ctx, next) {
    try {
      await next();
    } catch (error) {
      const expected = expectedFailure(error);
      ctx.set('cache-control', 'no-store');
      if (expected?.expose) {
        ctx.status = expected.status;
        if (expected.retryAfter) ctx.set('retry-after', String(expected.retryAfter));
        ctx.body = toProtocolError(expected);
        return;
      }
      const requestId = requestIdOf(ctx.req);
      logger.error({ err: error, path: ctx.path, requestId }, 'unhandled error');
      const outage = isDependencyOutage(error);
      ctx.status = outage ? 503 : 500;
      ctx.body = outage
        ? { error: 'temporarily_unavailable', error_description: `a service this server depends on is unavailable; try again shortly (request id ${requestId})` }
        : { error: 'server_error', error_description: `an unexpected error occurred (request id ${requestId})` };
    }
  };
}
