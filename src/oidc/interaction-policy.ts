import { interactionPolicy } from 'oidc-provider';
import { asksForMultiFactor, isMultiFactorAcr, requestedAcrValues } from '../mfa/multi-factor-request.ts';
import { isMetadataDocumentClient } from '../cimd/provider-feature.ts';

/**
 * oidc-provider's default prompts, plus two login checks: a browser session whose account was
 * disabled or deleted must sign in again (`login_required` for `prompt=none`), not reach consent;
 * and a request whose `acr_values` asks for a multi-factor sign-in (`mfa` or the PAPE policy) signs
 * in again when the session's `acr` is single-factor.
 * A client by metadata document always asks for consent, even for what was granted before: anyone
 * can publish a document, and the page shows where it and the redirect URI are (MCP authorization).
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
  policy.get('login')!.checks.add(
    new Check('multi_factor_required', 'the request asks for a multi-factor sign-in', 'login_required', (ctx) =>
      asksForMultiFactor(requestedAcrValues(ctx.oidc.params)) && !isMultiFactorAcr(ctx.oidc.acr) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  policy.get('consent')!.checks.add(
    new Check('client_id_metadata_document', 'clients by metadata document always ask for consent', 'consent_required', (ctx) =>
      isMetadataDocumentClient(ctx.oidc.client) && !ctx.oidc.result?.consent ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  return policy;
}

/** `prompt_values_supported`: `none` and every prompt a request may ask for. */
export const promptValuesOf = (policy: ReturnType<typeof createInteractionPolicy>): string[] => ['none', ...policy.filter((prompt) => prompt.requestable).map((prompt) => prompt.name)];
