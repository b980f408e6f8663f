import type { Middleware } from 'koa';
import { narrowScope } from '../clients/client-record.ts';
import { isFirstPartyClient } from '../account/account-client.ts';
import { grantAskedFor, showConsent } from './consent-step.ts';
import { allowedScopesFor, interactionOf, type InteractionDependencies } from './interaction-state.ts';
import { showLogin } from './login-step.ts';
import { showSignup } from './signup-step.ts';
import { pageText } from '../pages/page-text.ts';

/**
 * A user flow may grant fewer scopes than asked (RFC 6749 section 3.3), never one outside the
 * client's `scope`. The gateway narrows requests before the provider stores them; this narrows
 * anything that reached an interaction another way, before any prompt is shown.
 */
export function narrowToClientScopes(deps: InteractionDependencies): Middleware {
  return async function narrowRequestedScopes(ctx, next) {
    const interaction = interactionOf(ctx);
    const narrowed = narrowScope(interaction.params.scope, await allowedScopesFor(deps, interaction));
    if (narrowed) {
      interaction.params.scope = narrowed.scope;
      await interaction.persist();
    }
    await next();
  };
}

/** The page for the step oidc-provider asks for: login or consent. */
export function showPrompt(deps: InteractionDependencies): Middleware {
  return async function showCurrentPrompt(ctx) {
    const interaction = interactionOf(ctx);
    if (interaction.prompt.name === 'login') return showLogin(deps, ctx, interaction, 200);
    if (interaction.prompt.name === 'create') return showSignup(deps, ctx, interaction, 200);
    // The account page is Portcullis's own: a person is not asked to let it use their account. A
    // device's request was just allowed on the device confirm page, which names the app and scopes.
    const alreadyAllowed = isFirstPartyClient(interaction.params.client_id) || typeof (interaction as { deviceCode?: unknown }).deviceCode === 'string';
    if (interaction.prompt.name === 'consent' && alreadyAllowed) return grantAskedFor(deps, ctx, interaction);
    if (interaction.prompt.name === 'consent') return showConsent(deps, ctx, interaction);
    return deps.pages.error(ctx, 400, pageText('error_page.unsupported_step.heading'), pageText('error_page.unsupported_step.message'));
  };
}
