import { appPath } from '../http/issuer-path.ts';
import type { PageLink } from '../pages/error-page.ts';
import type { Context } from 'koa';
import { PAGE_CSP } from '../pages/page-policy.ts';
import { sendErrorPage } from '../pages/error-page.ts';
import { languageWishesOf } from '../pages/language.ts';
import type { Wording } from '../pages/page-text.ts';
import type { Views } from '../pages/views.ts';

const HTML_SECURITY_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
};

/**
 * How an interaction step answers with a page: never cached, never framed, no script unless `csp`
 * allows ours; in the language the request asks for (`ui_locales`, else `Accept-Language`).
 */
export interface InteractionPages {
  render(ctx: Context, status: number, view: string, data: Record<string, unknown>, options?: { csp?: string }): Promise<void>;
  /** `next`: a link to where the person can go on (a path on this server). */
  error(ctx: Context, status: number, heading: Wording, message: Wording, next?: PageLink): Promise<void>;
  /** A Wording in words, in the language of the request (for a JSON answer a page's script shows). */
  words(ctx: Context, wording: Wording): Promise<string>;
}

export function createInteractionPages(views: Views): InteractionPages {
  return {
    async render(ctx, status, view, data, options = {}) {
      const html = await views.render(view, { base: appPath(ctx, ''), ...data }, languageWishesOf(ctx));
      ctx.set(HTML_SECURITY_HEADERS);
      if (options.csp) ctx.set('content-security-policy', options.csp);
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = html;
    },
    error: (ctx, status, heading, message, next) => sendErrorPage(ctx, views, { status, heading, message, next }),
    words: (ctx, wording) => views.words(wording, languageWishesOf(ctx)),
  };
}
