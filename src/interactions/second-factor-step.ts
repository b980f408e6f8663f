import { appPath } from '../http/issuer-path.ts';
import { requestedAcrValues } from '../mfa/multi-factor-request.ts';
import type { Context, Middleware } from 'koa';
import type { LoginRefusal } from './login-throttle.ts';
import { issueCsrfToken } from './csrf.ts';
import { formOf } from './forms.ts';
import { clientNameOf, finishInteraction, interactionOf, type Interaction, type InteractionDependencies } from './interaction-state.ts';
import { signInResult } from './sign-in-result.ts';
import { pageText, type Wording } from '../pages/page-text.ts';

const WRONG_CODE = pageText('login_code.error.wrong_code');

const REFUSAL_MESSAGES: Record<LoginRefusal['reason'], Wording> = {
  busy: pageText('login.refused.busy'),
  'too-many-in-flight': pageText('login.refused.too_many_in_flight'),
  'too-many-failures': pageText('login_code.refused.too_many_failures'),
};

/** Kept on the interaction (server-side, bound to this browser's interaction cookie) once the password is right. */
interface PasswordProven {
  readonly passwordProven?: { readonly accountId: string };
}

const passwordProvenFor = (interaction: Interaction): string | undefined =>
  (interaction.lastSubmission as PasswordProven | undefined)?.passwordProven?.accountId;

const clientIdOf = (interaction: Interaction): string | undefined =>
  typeof interaction.params.client_id === 'string' ? interaction.params.client_id : undefined;

/** To the start of this sign-in (its login page). */
function backToSignIn(ctx: Context, interaction: Interaction): void {
  ctx.status = 303;
  ctx.redirect(appPath(ctx, `/interaction/${interaction.uid}`));
}

async function showCodeStep(
  deps: InteractionDependencies,
  ctx: Context,
  interaction: Interaction,
  status: number,
  error?: Wording,
): Promise<void> {
  await deps.pages.render(ctx, status, 'login-code', {
    uid: interaction.uid,
    csrf: issueCsrfToken(ctx, interaction.uid, deps.secureCookies),
    clientName: await clientNameOf(deps, interaction.params.client_id),
    error,
  });
}

/**
 * After a right password for an account with TOTP on: the sign-in waits for a code. That the
 * password was right, and for whom, is stored on the interaction itself (in the artifact store,
 * seen by every instance), never in anything the browser could forge.
 */
export async function askForSecondFactor(
  deps: InteractionDependencies,
  ctx: Context,
  interaction: Interaction,
  accountId: string,
): Promise<void> {
  const proven: PasswordProven = { passwordProven: { accountId } };
  interaction.lastSubmission = { ...interaction.lastSubmission, ...proven };
  await interaction.persist();
  deps.logger.info(
    { event: 'login.password_verified', sub: accountId, client: interaction.params.client_id },
    'password verified, waiting for a code',
  );
  await showCodeStep(deps, ctx, interaction, 200);
}

/** The application asked for a multi-factor sign-in and this account has no second factor: say how to add one. */
export async function showSecondFactorNeeded(
  deps: InteractionDependencies,
  ctx: Context,
  interaction: Interaction,
  accountId: string,
): Promise<void> {
  deps.logger.info(
    { event: 'login.refused', reason: 'mfa_not_set_up', sub: accountId, client: interaction.params.client_id },
    'multi-factor sign-in asked for, none set up',
  );
  deps.securityEvents?.login({
    outcome: 'failure',
    address: ctx.ip,
    clientId: clientIdOf(interaction),
    accountId,
    reason: 'mfa_not_set_up',
  });
  await deps.pages.render(ctx, 403, 'mfa-required', {
    uid: interaction.uid,
    csrf: issueCsrfToken(ctx, interaction.uid, deps.secureCookies),
    clientName: await clientNameOf(deps, interaction.params.client_id),
  });
}

/** POST …/mfa: the code from the app (or a recovery code) after the password, within the limits on wrong codes. */
export function submitSecondFactor(deps: InteractionDependencies): Middleware {
  return async function checkSecondFactor(ctx) {
    const interaction = interactionOf(ctx);
    if (interaction.prompt.name !== 'login')
      return deps.pages.error(ctx, 400, pageText('error_page.already_signed_in.heading'), pageText('error_page.go_back_and_try_again'));
    const accountId = passwordProvenFor(interaction);
    if (!accountId) return backToSignIn(ctx, interaction);
    const form = formOf(ctx);
    const code = typeof form.code === 'string' ? form.code.trim() : '';
    if (!code) return showCodeStep(deps, ctx, interaction, 400, pageText('login_code.error.missing'));

    const client = interaction.params.client_id;
    const clientId = clientIdOf(interaction);
    const outcome = await deps.totp.checkCode(accountId, code, ctx.ip);
    if (outcome.refused) {
      const { reason, status, retryAfter } = outcome.refused;
      deps.logger.info({ event: 'login.refused', reason, sub: accountId, client }, 'code refused');
      deps.securityEvents?.login({ outcome: reason === 'busy' ? 'busy' : 'throttled', address: ctx.ip, clientId, accountId, reason });
      ctx.set('retry-after', String(retryAfter));
      return showCodeStep(deps, ctx, interaction, status, REFUSAL_MESSAGES[reason]);
    }
    if (!outcome.accepted) {
      deps.logger.info({ event: 'login.failed', reason: 'bad_code', sub: accountId, client }, 'wrong code');
      deps.securityEvents?.login({ outcome: 'failure', address: ctx.ip, clientId, accountId, reason: 'bad_code' });
      return showCodeStep(deps, ctx, interaction, 401, WRONG_CODE);
    }
    const account = await deps.accounts.find(accountId);
    if (!account || account.disabled) return backToSignIn(ctx, interaction);
    deps.logger.info({ event: 'login.success', sub: accountId, client, second_factor: outcome.accepted }, 'login succeeded');
    deps.securityEvents?.login({ outcome: 'success', address: ctx.ip, clientId, accountId });
    return finishInteraction(deps, ctx, signInResult(accountId, ['pwd', 'otp'], requestedAcrValues(interaction.params)));
  };
}
