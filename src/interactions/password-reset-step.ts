import type { Middleware } from 'koa';
import { answerResetRequest, showResetRequest } from '../self-service/password-reset-pages.ts';
import { issueCsrfToken } from './csrf.ts';
import { interactionOf, type InteractionDependencies } from './interaction-state.ts';
import { pageText } from '../pages/page-text.ts';

/** GET and POST …/password-reset: the reset request form during a sign-in, with a way back to it. */
export function passwordResetRequest(deps: InteractionDependencies): Middleware {
  return async function askForResetLink(ctx) {
    const interaction = interactionOf(ctx);
    const selfService = deps.selfService;
    if (!selfService?.passwordReset) return deps.pages.error(ctx, 404, pageText('error_page.password_reset_unavailable.heading'), pageText('error_page.password_reset_unavailable.message'));
    const form = { action: `/interaction/${interaction.uid}/password-reset`, back: `/interaction/${interaction.uid}`, csrf: issueCsrfToken(ctx, interaction.uid, deps.secureCookies) };
    if (ctx.method === 'GET') return showResetRequest(deps.pages, ctx, form);
    return answerResetRequest(selfService, deps.pages, deps.logger, ctx, form);
  };
}
