import Router from '@koa/router';
import { pageOnFailure } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';
import { abortInteraction, confirmConsent, switchAccount } from './consent-step.ts';
import { parseCheckedForm } from './forms.ts';
import { loadInteraction, type InteractionDependencies } from './interaction-state.ts';
import { submitLogin } from './login-step.ts';
import { createInteractionPages } from './pages.ts';
import { passwordResetRequest } from './password-reset-step.ts';
import { submitSecondFactor } from './second-factor-step.ts';
import { narrowToClientScopes, showPrompt } from './prompt-step.ts';
import { continueAfterVerification, resendVerification, signupPage, submitSignup } from './signup-step.ts';
import { addPasskeySignIn } from '../passkeys/passkey-sign-in-step.ts';

/** What the steps need, with the views from which their pages are made. */
export type InteractionRouterOptions = Omit<InteractionDependencies, 'pages'> & { readonly views: Views };

/** The steps of oidc-provider interactions (login, sign-up, consent, abort), one file each; views live in `views/`. */
export function createInteractionRouter(options: InteractionRouterOptions): Router {
  const pages = createInteractionPages(options.views);
  const deps: InteractionDependencies = { ...options, pages };
  const form = parseCheckedForm(pages, deps.secureCookies);
  const load = loadInteraction(deps);
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(pageOnFailure(options.views, options.logger));
  router.get('/', load, narrowToClientScopes(deps), showPrompt(deps));
  router.post('/login', form, load, submitLogin(deps));
  router.post('/mfa', form, load, submitSecondFactor(deps));
  router.post('/confirm', form, load, confirmConsent(deps));
  router.post('/abort', form, load, abortInteraction(deps));
  router.post('/switch-account', form, load, switchAccount(deps));
  router.get('/signup', load, signupPage(deps));
  router.post('/signup', form, load, submitSignup(deps));
  router.get('/continue', load, continueAfterVerification(deps));
  router.post('/resend-verification', form, load, resendVerification(deps));
  router.get('/password-reset', load, passwordResetRequest(deps));
  router.post('/password-reset', form, load, passwordResetRequest(deps));
  if (deps.passkeys) addPasskeySignIn(router, load, { ...deps, passkeys: deps.passkeys });
  return router;
}
