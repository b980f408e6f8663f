import { requestedAcrValues } from '../mfa/multi-factor-request.ts';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { verifyCsrfToken } from '../interactions/csrf.ts';
import { interactionOf, storeInteractionResult, type InteractionDependencies } from '../interactions/interaction-state.ts';
import { signInResult } from '../interactions/sign-in-result.ts';
import { answerError, answerJson, jsonObjectOf } from './json-exchange.ts';
import type { PasskeyService, SignInFailure } from './passkey-service.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

type PasskeySignInDependencies = InteractionDependencies & { readonly passkeys: PasskeyService };

const COULD_NOT_SIGN_IN = pageText('login.passkey.could_not_sign_in');

const FAILURE_MESSAGES: Record<SignInFailure, PageText> = {
  expired: pageText('login.passkey.expired'),
  invalid: COULD_NOT_SIGN_IN,
  'unknown-passkey': pageText('login.passkey.unknown_passkey'),
  throttled: pageText('login.refused.too_many_failures'),
};

/**
 * The login page's "Use a passkey": `POST …/passkey/options` gives the script a challenge
 * for this sign-in, `POST …/passkey/verify` checks the assertion and answers where the browser goes
 * next. Both are JSON, with the interaction's CSRF token in the `x-csrf-token` header.
 */
export function addPasskeySignIn(router: Router, load: Middleware, deps: PasskeySignInDependencies): void {
  router.post('/passkey/options', load, onlyWhileSigningIn(deps), passkeySignInOptions(deps));
  router.post('/passkey/verify', load, onlyWhileSigningIn(deps), verifyPasskeySignIn(deps));
}

function onlyWhileSigningIn({ pages, secureCookies }: PasskeySignInDependencies): Middleware {
  return async function checkSigningIn(ctx, next) {
    if (interactionOf(ctx).prompt.name !== 'login') return answerError(ctx, pages, 400, pageText('login.passkey.already_signed_in'));
    if (!verifyCsrfToken(ctx, ctx.get('x-csrf-token'), secureCookies)) return answerError(ctx, pages, 403, pageText('passkeys.error.page_expired'));
    await next();
  };
}

function passkeySignInOptions({ passkeys, pages }: PasskeySignInDependencies): Middleware {
  return async function issueSignInChallenge(ctx) {
    const issued = await passkeys.signInOptions(interactionOf(ctx).uid, ctx.ip);
    if ('retryAfter' in issued) return answerError(ctx, pages, 429, pageText('login.passkey.too_many_attempts'), issued.retryAfter);
    answerJson(ctx, 200, { ...issued.options });
  };
}

function verifyPasskeySignIn(deps: PasskeySignInDependencies): Middleware {
  return async function checkAssertion(ctx) {
    const interaction = interactionOf(ctx);
    const body = await jsonObjectOf(ctx, deps.pages);
    if (!body) return;
    const clientId = typeof interaction.params.client_id === 'string' ? interaction.params.client_id : undefined;
    const failed = (status: number, message: PageText, { accountId, retryAfter, reason = 'passkey' }: { accountId?: string; retryAfter?: number | undefined; reason?: string } = {}) => {
      deps.logger.info({ event: 'login.failed', method: 'passkey', reason, client: clientId }, 'passkey sign-in failed');
      deps.securityEvents?.login({ outcome: status === 429 ? 'throttled' : 'failure', address: ctx.ip, clientId, accountId, reason, method: 'passkey' });
      return answerError(ctx, deps.pages, status, message, retryAfter);
    };

    const outcome = await deps.passkeys.signIn(interaction.uid, { response: body.response, address: ctx.ip });
    if ('failed' in outcome) return failed(outcome.failed === 'throttled' ? 429 : 401, FAILURE_MESSAGES[outcome.failed], { retryAfter: outcome.retryAfter });
    const { accountId, passkeyId, userVerified, backedUp } = outcome.signedIn;
    const account = await deps.accounts.find(accountId);
    // A disabled account gets the same answer as a bad assertion, as it does for a right password.
    if (!account || account.disabled || !userVerified) return failed(401, COULD_NOT_SIGN_IN, { accountId });
    if (deps.selfService?.requireVerifiedEmail && account.signedUpAt && !account.emailVerified) {
      return failed(403, pageText('login.passkey.email_not_verified'), { accountId: account.id, reason: 'email_not_verified' });
    }

    deps.logger.info({ event: 'login.success', method: 'passkey', passkey: passkeyId, sub: account.id, client: clientId }, 'login succeeded');
    deps.securityEvents?.login({ outcome: 'success', address: ctx.ip, clientId, accountId: account.id, method: 'passkey' });
    // A synced passkey is a software key to RFC 8176; either way the user verified: multi-factor.
    const result = signInResult(account.id, [backedUp ? 'swk' : 'hwk', 'user'], requestedAcrValues(interaction.params));
    answerJson(ctx, 200, { location: await storeInteractionResult(deps, ctx, result) });
  };
}
