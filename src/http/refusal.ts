import type { Context } from 'koa';
import { asSentence, sendErrorPage } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';

/** A request answered before it reaches a route: an OAuth error, as a page or as JSON. */
export interface Refusal {
  readonly status: number;
  readonly error: string;
  readonly description: string;
  readonly retryAfter?: number;
  /** The page's heading; the default fits a sign-in request. */
  readonly heading?: string;
  /** What the person should do, after the description on the page only. */
  readonly advice?: string;
}

/** Answers with the error page for a browser (`asPage`), OAuth's JSON error otherwise; never cached. */
export async function answerRefusal(ctx: Context, views: Views, refusal: Refusal, { asPage }: { asPage: boolean }): Promise<void> {
  ctx.status = refusal.status;
  ctx.set('cache-control', 'no-store');
  if (refusal.retryAfter) ctx.set('retry-after', String(refusal.retryAfter));
  if (!asPage) {
    ctx.body = { error: refusal.error, error_description: refusal.description };
    return;
  }
  await sendErrorPage(ctx, views, {
    status: refusal.status,
    heading: refusal.heading ?? (refusal.status === 429 ? 'Too many requests' : 'The sign-in request could not be completed'),
    message: `${asSentence(refusal.description)}${refusal.advice ? ` ${refusal.advice}` : ''}`,
    code: refusal.error,
    retryAfter: refusal.retryAfter,
  });
}
