import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Logger } from '../observability/logger.ts';
import { errorPageFor, sendErrorPage } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';
import { expectedFailure } from '../errors/app-error.ts';
import { requestIdOf } from '../observability/request-id.ts';
import { abortInteraction, confirmConsent } from './consent-step.ts';
import { parseCheckedForm } from './forms.ts';
import { loadInteraction, type InteractionDependencies } from './interaction-state.ts';
import { submitLogin } from './login-step.ts';
import { createInteractionPages } from './pages.ts';
import { narrowToClientScopes, showPrompt } from './prompt-step.ts';

/** What the steps need, with the views from which their pages are made. */
export type InteractionRouterOptions = Omit<InteractionDependencies, 'pages'> & { readonly views: Views };

/** A browser gets a page, not JSON, when a step fails: its own message if expected, else a generic one. */
function pageOnFailure(views: Views, logger: Logger): Middleware {
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

/** The steps of oidc-provider interactions (login, consent, abort), one file each; views live in `views/`. */
export function createInteractionRouter(options: InteractionRouterOptions): Router {
  const pages = createInteractionPages(options.views);
  const deps: InteractionDependencies = { ...options, pages };
  const form = parseCheckedForm(pages);
  const load = loadInteraction(deps);
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(pageOnFailure(options.views, options.logger));
  router.get('/', load, narrowToClientScopes(deps), showPrompt(deps));
  router.post('/login', form, load, submitLogin(deps));
  router.post('/confirm', form, load, confirmConsent(deps));
  router.post('/abort', form, load, abortInteraction(deps));
  return router;
}
