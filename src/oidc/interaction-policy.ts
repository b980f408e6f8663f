import { interactionPolicy } from 'oidc-provider';

/**
 * oidc-provider's default prompts, plus one login check: a browser session whose account was
 * disabled or deleted must sign in again (`login_required` for `prompt=none`), not reach consent.
 * With sign-up on, `prompt=create` (OpenID Connect Prompt Create 1.0) is a prompt of its own, first,
 * so that asking for it opens the sign-up page; it is then advertised in `prompt_values_supported`.
 */
export function createInteractionPolicy({ signup = false }: { signup?: boolean } = {}) {
  const { base, Check, Prompt } = interactionPolicy;
  const policy = base();
  if (signup) policy.unshift(new Prompt({ name: 'create', requestable: true }));
  policy.get('login')!.checks.add(
    new Check('account_unavailable', 'the signed-in account is no longer available', 'login_required', (ctx) =>
      ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
    0,
  );
  return policy;
}

/** `prompt_values_supported`: `none` and every prompt a request may ask for. */
export const promptValuesOf = (policy: ReturnType<typeof createInteractionPolicy>): string[] => ['none', ...policy.filter((prompt) => prompt.requestable).map((prompt) => prompt.name)];
