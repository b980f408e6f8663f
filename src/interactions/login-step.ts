import type { Context, Middleware } from 'koa';
import { bindSignupToBrowser } from '../self-service/signup-binding.ts';
import { issueCsrfToken } from './csrf.ts';
import { formOf } from './forms.ts';
import { clientPresentationOf } from './client-presentation.ts';
import { clientNameOf, finishInteraction, interactionOf, type Interaction, type InteractionDependencies } from './interaction-state.ts';
import type { LoginRefusal } from './login-throttle.ts';
import { PAGE_CSP_WITH_OWN_SCRIPTS } from '../pages/page-policy.ts';
import { passkeyScripts } from '../passkeys/assets.ts';
import { askForSecondFactor, showSecondFactorNeeded } from './second-factor-step.ts';
import { signInResult } from './sign-in-result.ts';
import { asksForMultiFactor, requestedAcrValues } from '../mfa/multi-factor-request.ts';
import { pageText, type Wording } from '../pages/page-text.ts';

const INVALID_CREDENTIALS = pageText('login.error.invalid_credentials');

const REFUSAL_MESSAGES: Record<LoginRefusal['reason'], Wording> = {
  busy: pageText('login.refused.busy'),
  'too-many-in-flight': pageText('login.refused.too_many_in_flight'),
  'too-many-failures': pageText('login.refused.too_many_failures'),
};

export async function showLogin(
  deps: InteractionDependencies,
  ctx: Context,
  interaction: Interaction,
  status: number,
  extra: { error?: Wording; email?: string } = {},
): Promise<void> {
  await deps.pages.render(ctx, status, 'login', {
    uid: interaction.uid,
    csrf: issueCsrfToken(ctx, interaction.uid, deps.secureCookies),
    clientName: await clientNameOf(deps, interaction.params.client_id),
    client: await clientPresentationOf(deps, interaction.params.client_id),
    email: extra.email ?? (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : ''),
    error: extra.error,
    signup: deps.selfService?.signup === true,
    passwordReset: deps.selfService?.passwordReset === true,
    // The passkey button is shown by its script: without JavaScript the page is the password form.
    passkeyScripts: deps.passkeys ? await passkeyScripts() : undefined,
  }, deps.passkeys ? { csp: PAGE_CSP_WITH_OWN_SCRIPTS } : {});
}

/**
 * The login form: every limit of the login throttle applies before the password is checked; a
 * wrong password, an unknown email and a disabled account all get the same answer.
 */
export function submitLogin(deps: InteractionDependencies): Middleware {
  return async function checkPassword(ctx) {
    const interaction = interactionOf(ctx);
    if (interaction.prompt.name !== 'login') return deps.pages.error(ctx, 400, pageText('error_page.already_signed_in.heading'), pageText('error_page.go_back_and_try_again'));
    const form = formOf(ctx);
    const email = typeof form.email === 'string' ? form.email.trim() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    if (!email || !password) return showLogin(deps, ctx, interaction, 400, { error: pageText('login.error.missing'), email });

    const client = interaction.params.client_id;
    const clientId = typeof client === 'string' ? client : undefined;
    const outcome = await deps.throttle.signIn({ email, address: ctx.ip }, () => deps.accounts.authenticate(email, password));
    if (outcome.refused) {
      const { reason, status, retryAfter } = outcome.refused;
      deps.logger.info({ event: 'login.refused', reason, client }, 'login refused');
      deps.securityEvents?.login({ outcome: reason === 'busy' ? 'busy' : 'throttled', address: ctx.ip, clientId, email, reason });
      ctx.set('retry-after', String(retryAfter));
      return showLogin(deps, ctx, interaction, status, { error: REFUSAL_MESSAGES[reason], email });
    }
    const { account } = outcome;
    if (!account) {
      deps.logger.info({ event: 'login.failed', client }, 'login failed');
      deps.securityEvents?.login({ outcome: 'failure', address: ctx.ip, clientId, email });
      return showLogin(deps, ctx, interaction, 401, { error: INVALID_CREDENTIALS, email });
    }
    if (deps.selfService?.requireVerifiedEmail && account.signedUpAt && !account.emailVerified) {
      deps.securityEvents?.login({ outcome: 'failure', address: ctx.ip, clientId, email, reason: 'email_not_verified' });
      // The password is proven: this browser may ask for the link again and resume with it.
      bindSignupToBrowser(ctx, interaction.uid, account.id, deps.secureCookies);
      return deps.pages.render(ctx, 403, 'verify-pending', {
        uid: interaction.uid,
        csrf: issueCsrfToken(ctx, interaction.uid, deps.secureCookies),
        email: account.email,
        clientName: await clientNameOf(deps, client),
      });
    }
    if (await deps.totp.isEnrolled(account.id)) return askForSecondFactor(deps, ctx, interaction, account.id);
    if (asksForMultiFactor(requestedAcrValues(interaction.params))) return showSecondFactorNeeded(deps, ctx, interaction, account.id);
    deps.logger.info({ event: 'login.success', sub: account.id, client }, 'login succeeded');
    deps.securityEvents?.login({ outcome: 'success', address: ctx.ip, clientId, accountId: account.id });
    return finishInteraction(deps, ctx, signInResult(account.id, ['pwd'], requestedAcrValues(interaction.params)));
  };
}
