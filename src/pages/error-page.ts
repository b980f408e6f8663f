import type { Context } from 'koa';
import type { Middleware } from 'koa';
import { expectedFailure, type AppError } from '../errors/app-error.ts';
import { isDependencyOutage } from '../errors/outage.ts';
import type { Logger } from '../observability/logger.ts';
import { requestIdOf } from '../observability/request-id.ts';
import { languageWishesOf } from './language.ts';
import { PAGE_CSP } from './page-policy.ts';
import type { Views } from './views.ts';

/** What the error page says: a heading, what happened (and what to do), the code and request id. */
export interface ErrorPage {
  readonly status: number;
  readonly heading: string;
  readonly message: string;
  /** The technical reason, for the developers of the application the person came from. */
  readonly detail?: string | undefined;
  readonly code?: string;
  readonly retryAfter?: number;
}

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
};

export const asSentence = (text: string): string => `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

/** The one HTML translation of a failure: never cached, never framed, never a stack trace. */
export async function sendErrorPage(ctx: Context, views: Views, page: ErrorPage): Promise<void> {
  const html = await views.render(
    'error',
    {
      heading: page.heading,
      message: page.message,
      detail: page.detail,
      code: page.code,
      requestId: requestIdOf(ctx.req),
    },
    languageWishesOf(ctx),
  );
  ctx.set(PAGE_HEADERS);
  if (page.retryAfter) ctx.set('retry-after', String(page.retryAfter));
  ctx.status = page.status;
  ctx.type = 'html';
  ctx.body = html;
}

/** The page for anything thrown behind a form: its own message when expected, else a generic one. */
export function errorPageFor(expected: AppError | undefined, error: unknown): ErrorPage {
  if (expected?.expose)
    return {
      status: expected.status,
      heading: 'The request could not be completed',
      message: asSentence(expected.message),
      code: expected.code,
      retryAfter: expected.retryAfter,
    };
  if (isDependencyOutage(error))
    return { status: 503, heading: 'Sign-in is temporarily unavailable', message: 'Please try again in a moment.', retryAfter: 5 };
  return {
    status: 500,
    heading: 'Something went wrong',
    message: 'This is a fault on our side, not yours. Please try again; if it keeps happening, tell the support team the request id below.',
    code: 'server_error',
  };
}

/** A browser gets a page, not JSON, when a step fails: its own message if expected, else a generic one. */
export function pageOnFailure(views: Views, logger: Logger): Middleware {
  return async function showFailurePage(ctx, next) {
    try {
      await next();
    } catch (error) {
      const expected = expectedFailure(error);
      if (!expected?.expose) logger.error({ err: error, path: ctx.path, requestId: requestIdOf(ctx.req) }, 'interaction failed');
      await sendErrorPage(ctx, views, errorPageFor(expected, error));
    }
  };
}
