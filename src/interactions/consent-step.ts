import { appPath } from '../http/issuer-path.ts';
import type { Context, Middleware } from 'koa';
import { providerCookieNames } from '../oidc/cookie-names.ts';
import { describeScope } from './scope-wording.ts';
import { issueCsrfToken } from './csrf.ts';
import { clientNameOf, consentPromptOf, finishInteraction, interactionOf, type Interaction, type InteractionDependencies } from './interaction-state.ts';
import { pageText } from '../pages/page-text.ts';
import { metadataDocumentOriginOf } from './metadata-document-origin.ts';

const hostOf = (identifier: string): string => (URL.canParse(identifier) ? new URL(identifier).host || identifier : identifier);

export async function showConsent(deps: InteractionDependencies, ctx: Context, interaction: Interaction): Promise<void> {
  const prompt = await consentPromptOf(deps, interaction);
  const accountId = interaction.session?.accountId;
  const account = accountId ? await deps.accounts.find(accountId) : null;
  // Each API by its display name (or its host), each of its scopes by its description (or as it is).
  const resources = await Promise.all(
    Object.entries(prompt.missingResourceScopes).map(async ([identifier, scopes]) => {
      const resource = await deps.resources.find(identifier);
      return {
        name: resource?.name ?? hostOf(identifier),
        host: hostOf(identifier),
        scopes: scopes.map((scope) => ({ scope, description: resource?.scopeDescriptions[scope] ?? scope })),
      };
    }),
  );
  await deps.pages.render(ctx, 200, 'consent', {
    uid: interaction.uid,
    canSwitchAccount: canSwitchAccount(interaction),
    csrf: issueCsrfToken(ctx, interaction.uid, deps.secureCookies),
    clientName: await clientNameOf(deps, interaction.params.client_id),
    email: account?.email ?? '',
    scopes: prompt.missingOIDCScope.map((scope) => ({ scope, description: describeScope(scope) })),
    claims: prompt.missingOIDCClaims.filter((claim) => claim !== 'sub'),
    resources,
    metadataDocument: await metadataDocumentOriginOf(deps, interaction),
  });
}

/** Grants what the consent prompt asked for, within the client's `scope`, and goes on with the flow. */
export async function grantAskedFor(deps: InteractionDependencies, ctx: Context, interaction: Interaction): Promise<void> {
  const accountId = interaction.session?.accountId;
  if (interaction.prompt.name !== 'consent' || !accountId) {
    return deps.pages.error(ctx, 400, pageText('error_page.nothing_to_confirm.heading'), pageText('error_page.go_back_and_try_again'));
  }
  const prompt = await consentPromptOf(deps, interaction);
  const { Grant } = deps.provider.current;
  const grant = interaction.grantId ? await Grant.find(interaction.grantId) : new Grant({ accountId, clientId: String(interaction.params.client_id) });
  if (!grant) return deps.pages.error(ctx, 400, pageText('error_page.page_expired.heading'), pageText('error_page.go_back_and_start_again'));
  if (prompt.missingOIDCScope.length > 0) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
  if (prompt.missingOIDCClaims.length > 0) grant.addOIDCClaims(prompt.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes)) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  return finishInteraction(deps, ctx, { consent: { grantId } });
}

/** "Allow". */
export function confirmConsent(deps: InteractionDependencies): Middleware {
  return async function grantConsent(ctx) {
    return grantAskedFor(deps, ctx, interactionOf(ctx));
  };
}

// Parameters a fresh request must not inherit: it asks for a new sign-in instead.
const NOT_REPEATED = new Set(['prompt', 'max_age', 'id_token_hint', 'login_hint']);

/**
 * Only a plain browser request can be asked again from its parameters: a pushed or signed one
 * (PAR, JAR) would move what was kept off the URL into it, and a device flow has no redirect.
 */
const canSwitchAccount = (interaction: Interaction): boolean => {
  const origin = interaction as Interaction & { parJti?: unknown; trusted?: unknown };
  return typeof interaction.params.redirect_uri === 'string' && !origin.parJti && !(Array.isArray(origin.trusted) && origin.trusted.length > 0) && interaction.params.request_uri === undefined && interaction.params.request === undefined;
};

/**
 * "Not you?": this browser's sign-in ends, and the same authorization request starts again with
 * `prompt=login`, so that someone else signs in.
 */
export function switchAccount(deps: InteractionDependencies): Middleware {
  return async function signInAsSomeoneElse(ctx) {
    const interaction = interactionOf(ctx);
    if (interaction.prompt.name !== 'consent' || !canSwitchAccount(interaction)) {
      return deps.pages.error(ctx, 400, pageText('error_page.nothing_to_switch.heading'), pageText('error_page.go_back_and_try_again'));
    }
    const again = new URL('http://localhost/auth');
    for (const [name, value] of Object.entries(interaction.params)) {
      if (typeof value === 'string' && !NOT_REPEATED.has(name)) again.searchParams.set(name, value);
    }
    again.searchParams.set('prompt', 'login');
    const sessionId = ctx.cookies.get(providerCookieNames(deps.secureCookies).session, { signed: true });
    const session = sessionId ? await deps.provider.current.Session.find(sessionId) : undefined;
    if (session) await session.destroy();
    ctx.status = 303;
    ctx.set('cache-control', 'no-store');
    ctx.redirect(appPath(ctx, `${again.pathname}${again.search}`));
  };
}

/** "Deny": the client gets `access_denied`. */
export function abortInteraction(deps: InteractionDependencies): Middleware {
  return async function denyRequest(ctx) {
    return finishInteraction(deps, ctx, { error: 'access_denied', error_description: 'The user denied the request' });
  };
}
