import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';

const ids = new WeakMap<IncomingMessage, string>();

/**
 * Gives every request an id, sent back as `X-Request-Id` and written in its log lines, so a generic
 * error answer can be matched with the log line that holds the real reason. Kept on the Node
 * request, which oidc-provider's own context shares.
 */
export function assignRequestId(): Middleware {
  return async function requestId(ctx, next) {
    const id = randomUUID();
    ids.set(ctx.req, id);
    ctx.res.setHeader('x-request-id', id);
    await next();
  };
}

export const requestIdOf = (req: IncomingMessage): string => ids.get(req) ?? 'none';
