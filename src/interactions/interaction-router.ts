import Router from '@koa/router';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { Logger } from '../observability/logger.ts';
import type { Views } from '../pages/views.ts';
import { abortInteraction, confirmConsent } from './consent-step.ts';
import { parseCheckedForm } from './forms.ts';
import { loadInteraction, type InteractionDependencies } from './interaction-state.ts';
import { submitLogin } from './login-step.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { createInteractionPages, type InteractionPages } from './pages.ts';
import { narrowToClientScopes, showPrompt } from './prompt-step.ts';

export interface InteractionRouterOptions {
  readonly provider: Provider;
  readonly accounts: AccountService;
  readonly clients: Pick<ClientRegistry, 'find'>;
  readonly throttle: LoginThrottle;
  readonly views: Views;
  readonly logger: Logger;
  readonly secureCookies: boolean;
}

/** A browser gets a page, not JSON, when something behind the forms (database, store) fails. */
function pageOnFailure(pages: InteractionPages, logger: Logger): Middleware {
  return async function showUnavailable(ctx, next) {
    try {
      await next();
    } catch (error) {
      logger.error({ err: error, path: ctx.path }, 'interaction failed');
      await pages.error(ctx, 503, 'Sign-in is temporarily unavailable', 'Please try again in a moment.');
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
  router.use(pageOnFailure(pages, options.logger));
  router.get('/', load, narrowToClientScopes(deps), showPrompt(deps));
  router.post('/login', form, load, submitLogin(deps));
  router.post('/confirm', form, load, confirmConsent(deps));
  router.post('/abort', form, load, abortInteraction(deps));
  return router;
}
