import { appPath } from '../http/issuer-path.ts';
import type { Context } from 'koa';
import type { Middleware } from 'koa';
import { expectedFailure, type AppError } from '../errors/app-error.ts';
import { isDependencyOutage } from '../errors/outage.ts';
import type { Logger } from '../observability/logger.ts';
import { requestIdOf } from '../observability/request-id.ts';
import { languageWishesOf } from './language.ts';
import { PAGE_CSP } from './page-policy.ts';
import type { Views } from './views.ts';
import { isPageText, pageText, type PageText, type Wording } from './page-text.ts';

/** What the error page says: a heading, what happened (and what to do), the code and request id. */
export interface ErrorPage {
  readonly status: number;
  readonly heading: Wording;
  readonly message: Wording;
  /** The technical reason, for the developers of the application the person came from. */
  readonly detail?: string | undefined;
  readonly code?: string;
  readonly retryAfter?: number;
  /** Where the person can go on from here, shown as a link under the message. */
  readonly next?: PageLink | undefined;
}

/** A link on a page: a path on this server and its words. */
export interface PageLink {
  readonly href: `/${string}`;
  readonly label: Wording;
}

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
};

export const asSentence = (text: string): string => `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

/** The page string of an error that carries one (`words`: a password refused, a limit reached, a mail not sent). */
export const wordsOf = (error: unknown): PageText | undefined => {
  const words = (error as { words?: unknown } | null | undefined)?.words;
  return isPageText(words) ? words : undefined;
};

/** What a page says of an expected failure: its page string, else its own message as a sentence. */
export const failureWording = (error: AppError): Wording => wordsOf(error) ?? asSentence(error.message);

/** The generic texts of the error pages (also oidc-provider's, src/oidc/html-pages.ts). */
export const UNEXPECTED = { heading: pageText('error_page.unexpected.heading'), message: pageText('error_page.unexpected.message') } as const;
export const UNAVAILABLE = { heading: pageText('error_page.unavailable.heading'), message: pageText('error_page.try_again_in_a_moment') } as const;

/** The one HTML translation of a failure: never cached, never framed, never a stack trace. */
export async function sendErrorPage(ctx: Context, views: Views, page: ErrorPage): Promise<void> {
  const html = await views.render(
    'error',
    {
      base: appPath(ctx, ''),
      heading: page.heading,
      message: page.message,
      detail: page.detail,
      code: page.code,
      requestId: requestIdOf(ctx.req),
      next: page.next,
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
      heading: pageText('error_page.not_completed.heading'),
      message: failureWording(expected),
      code: expected.code,
      retryAfter: expected.retryAfter,
    };
  if (isDependencyOutage(error))
    return { status: 503, ...UNAVAILABLE, retryAfter: 5 };
  return { status: 500, ...UNEXPECTED, code: 'server_error' };
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
