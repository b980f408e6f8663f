import { interactionPolicy } from 'oidc-provider';

/**
 * oidc-provider's default prompts, plus one login check: a browser session whose account was
 * disabled or deleted must sign in again (`login_required` for `prompt=none`), not reach consent.
 */
export function createInteractionPolicy() {
  const { base, Check } = interactionPolicy;
  const policy = base();
  policy.get('login')!.checks.add(
    new Check('account_unavailable', 'the signed-in account is no longer available', 'login_required', (ctx) =>
      ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
    0,
  );
  return policy;
}
