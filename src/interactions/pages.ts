import type { Context } from 'koa';
import { PAGE_CSP } from '../pages/page-policy.ts';
import type { Views } from '../pages/views.ts';

const HTML_SECURITY_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
};

/** How an interaction step answers with a page: never cached, never framed, no script. */
export interface InteractionPages {
  render(ctx: Context, status: number, view: string, data: Record<string, unknown>): Promise<void>;
  error(ctx: Context, status: number, heading: string, message: string): Promise<void>;
}

export function createInteractionPages(views: Views): InteractionPages {
  const render: InteractionPages['render'] = async (ctx, status, view, data) => {
    const html = await views.render(view, data);
    ctx.set(HTML_SECURITY_HEADERS);
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = html;
  };
  return {
    render,
    error: (ctx, status, heading, message) => render(ctx, status, 'error', { heading, message, code: undefined }),
  };
}
