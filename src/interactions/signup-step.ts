import { appPath } from '../http/issuer-path.ts';
import { requestedAcrValues } from '../mfa/multi-factor-request.ts';
import type { Context, Middleware } from 'koa';
import { languageWishesOf } from '../pages/language.ts';
import { PasswordRejectedError } from '../accounts/password-policy.ts';
import { expectedFailure } from '../errors/app-error.ts';
import { MailNotSentError } from '../mail/mailer.ts';
import { RESUME_WINDOW_SECONDS, type SelfService } from '../self-service/self-service.ts';
import { bindSignupToBrowser, clearSignupBinding, signupBindingOf } from '../self-service/signup-binding.ts';
import { TooManyRequestsError } from '../self-service/self-service-limits.ts';
import { sendExistingAccountNotice, sendVerificationMail } from '../self-service/verification-mail.ts';
import { issueCsrfToken } from './csrf.ts';
import { formOf } from './forms.ts';
import { clientNameOf, finishInteraction, interactionOf, type Interaction, type InteractionDependencies } from './interaction-state.ts';
import { showLogin } from './login-step.ts';
import { signInResult } from './sign-in-result.ts';
import { pageText, type Wording } from '../pages/page-text.ts';

type SignupForm = { email?: string; name?: string; error?: Wording; focus?: 'email' | 'password' | 'name' };

const SIGNING_IN_PROMPTS = new Set(['login', 'create']);

function selfServiceOf(deps: InteractionDependencies): SelfService | undefined {
  return deps.selfService?.signup ? deps.selfService : undefined;
}

export async function showSignup(deps: InteractionDependencies, ctx: Context, interaction: Interaction, status: number, form: SignupForm = {}): Promise<void> {
  await deps.pages.render(ctx, status, 'signup', {
    uid: interaction.uid,
    csrf: issueCsrfToken(ctx, interaction.uid, deps.secureCookies),
    clientName: await clientNameOf(deps, interaction.params.client_id),
    email: form.email ?? (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : ''),
    name: form.name ?? '',
    error: form.error,
    focus: form.focus,
    minLength: deps.accounts.passwordPolicy.minLength,
  });
}

/** GET …/signup: the form, when sign-up is on and the sign-in still needs an account. */
export function signupPage(deps: InteractionDependencies): Middleware {
  return async function showSignupForm(ctx) {
    const interaction = interactionOf(ctx);
    if (!selfServiceOf(deps)) return deps.pages.error(ctx, 404, pageText('error_page.signup_unavailable.heading'), pageText('error_page.signup_unavailable.message'));
    if (!SIGNING_IN_PROMPTS.has(interaction.prompt.name)) return deps.pages.error(ctx, 400, pageText('error_page.already_signed_in.heading'), pageText('error_page.go_back_and_try_again'));
    return showSignup(deps, ctx, interaction, 200);
  };
}

const fieldOf = (error: unknown): SignupForm['focus'] => {
  const pointer = expectedFailure(error)?.fields?.[0]?.pointer;
  return pointer === '/email' ? 'email' : pointer === '/name' ? 'name' : 'password';
};

/**
 * POST …/signup. A new address gets an account and a verification mail; an address that already
 * has one gets a notice to its owner instead, and the person signing up sees the same page either
 * way. With REQUIRE_VERIFIED_EMAIL off, a new account signs in at once.
 */
export function submitSignup(deps: InteractionDependencies): Middleware {
  return async function createAccount(ctx) {
    const interaction = interactionOf(ctx);
    const selfService = selfServiceOf(deps);
    if (!selfService) return deps.pages.error(ctx, 404, pageText('error_page.signup_unavailable.heading'), pageText('error_page.signup_unavailable.message'));
    if (!SIGNING_IN_PROMPTS.has(interaction.prompt.name)) return deps.pages.error(ctx, 400, pageText('error_page.already_signed_in.heading'), pageText('error_page.go_back_and_try_again'));
    const fields = formOf(ctx);
    const email = typeof fields.email === 'string' ? fields.email.trim() : '';
    const name = typeof fields.name === 'string' ? fields.name.trim() : '';
    const password = typeof fields.password === 'string' ? fields.password : '';
    const again = (status: number, error: Wording, focus: SignupForm['focus']) => showSignup(deps, ctx, interaction, status, { email, name, error, focus });
    if (!email) return again(400, pageText('signup.error.email_missing'), 'email');
    if (!password) return again(400, pageText('signup.error.password_missing'), 'password');

    let boundAccount: string | undefined;
    try {
      await selfService.limits.signUp(ctx.ip);
      const { account, existing } = await selfService.accounts.signUp({ email, password, name: name || undefined });
      if (!existing) {
        selfService.audit.recordInBackground({ actor: `user:${account.id}`, action: 'user.signed_up', target: account.id, address: ctx.ip, detail: { client_id: interaction.params.client_id } });
        await sendVerificationMail(selfService, account, { address: ctx.ip, interactionUid: interaction.uid, wishes: languageWishesOf(ctx) });
        if (!selfService.requireVerifiedEmail) return finishInteraction(deps, ctx, signedUpResult(interaction, account.id));
        boundAccount = account.id;
      } else {
        // Confirmed or not, the owner is told and offered a password reset: this browser never
        // proved it owns the address, so it gets no link and no way into the account.
        await sendExistingAccountNotice(selfService, account, { address: ctx.ip });
      }
    } catch (error) {
      if (error instanceof TooManyRequestsError) {
        ctx.set('retry-after', String(error.retryAfter));
        return again(429, error.words, 'email');
      }
      if (error instanceof MailNotSentError) return again(503, error.words, 'email');
      if (error instanceof PasswordRejectedError) return again(400, error.words, 'password');
      const expected = expectedFailure(error);
      if (expected?.code === 'invalid_input') return again(400, expected.fields?.[0]?.pointer === '/email' ? pageText('common.error.email_invalid') : expected.message, fieldOf(error));
      throw error;
    }
    bindSignupToBrowser(ctx, interaction.uid, boundAccount, deps.secureCookies);
    await deps.pages.render(ctx, 200, 'check-email', { uid: interaction.uid, email, clientName: await clientNameOf(deps, interaction.params.client_id) });
  };
}

/** The result that signs the new account in; a `prompt=create` request also learns its prompt was answered. */
const signedUpResult = (interaction: Interaction, accountId: string) => ({
  ...signInResult(accountId, ['pwd'], requestedAcrValues(interaction.params)),
  ...(interaction.prompt.name === 'create' ? { create: { accountId } } : {}),
});

/**
 * GET …/continue: where the verification link sends the browser that signed up. The sign-in goes
 * on as that account only if this browser proved the account's password in this interaction (its
 * binding cookie names both) and the link was opened moments ago; anything else is asked to sign in.
 */
export function continueAfterVerification(deps: InteractionDependencies): Middleware {
  return async function resumeSignIn(ctx) {
    const interaction = interactionOf(ctx);
    const selfService = deps.selfService;
    if (!selfService || !SIGNING_IN_PROMPTS.has(interaction.prompt.name)) return ctx.redirect(appPath(ctx, `/interaction/${interaction.uid}`));
    const binding = signupBindingOf(ctx, deps.secureCookies);
    const verified = binding?.uid === interaction.uid ? await selfService.tokens.verifiedFor(interaction.uid, RESUME_WINDOW_SECONDS) : undefined;
    const account = verified && verified === binding?.accountId ? await selfService.accounts.find(verified) : null;
    if (!account || account.disabled || !account.emailVerified) return showLogin(deps, ctx, interaction, 200);
    // An account that turned on two-step verification since signs in with its code, as usual.
    if (await deps.totp.isEnrolled(account.id)) return showLogin(deps, ctx, interaction, 200);
    clearSignupBinding(ctx, deps.secureCookies);
    return finishInteraction(deps, ctx, signedUpResult(interaction, account.id));
  };
}

/**
 * POST …/resend-verification: the link again, for the account whose password this browser just
 * proved (the 403 "confirm your address" page binds it); nothing for anyone else.
 */
export function resendVerification(deps: InteractionDependencies): Middleware {
  return async function resendVerificationLink(ctx) {
    const interaction = interactionOf(ctx);
    const selfService = deps.selfService;
    const binding = signupBindingOf(ctx, deps.secureCookies);
    if (!selfService || binding?.uid !== interaction.uid) return ctx.redirect(appPath(ctx, `/interaction/${interaction.uid}`));
    const account = await selfService.accounts.find(binding.accountId);
    if (!account || !account.signedUpAt || account.emailVerified || account.disabled) return ctx.redirect(appPath(ctx, `/interaction/${interaction.uid}`));
    try {
      await sendVerificationMail(selfService, account, { address: ctx.ip, interactionUid: interaction.uid, wishes: languageWishesOf(ctx) });
    } catch (error) {
      if (!(error instanceof TooManyRequestsError || error instanceof MailNotSentError)) throw error;
      if (error instanceof TooManyRequestsError) ctx.set('retry-after', String(error.retryAfter));
      return deps.pages.error(ctx, error.status, pageText('error_page.mail_not_sent.heading'), error.words);
    }
    await deps.pages.render(ctx, 200, 'check-email', { uid: interaction.uid, email: account.email, clientName: await clientNameOf(deps, interaction.params.client_id) });
  };
}
