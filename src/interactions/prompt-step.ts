import type { Middleware } from 'koa';
import { scopeList } from '../oidc/scopes.ts';
import { showConsent } from './consent-step.ts';
import { allowedScopesFor, interactionOf, type InteractionDependencies } from './interaction-state.ts';
import { showLogin } from './login-step.ts';

/**
 * A user flow may grant fewer scopes than asked (RFC 6749 section 3.3), never one outside the
 * client's `scope`. The gateway narrows requests before the provider stores them; this narrows
 * anything that reached an interaction another way, before any prompt is shown.
 */
export function narrowToClientScopes(deps: InteractionDependencies): Middleware {
  return async function narrowRequestedScopes(ctx, next) {
    const interaction = interactionOf(ctx);
    const allowed = await allowedScopesFor(deps, interaction);
    const requested = scopeList(interaction.params.scope);
    const kept = requested.filter((scope) => allowed.has(scope));
    if (kept.length < requested.length) {
      interaction.params.scope = kept.length > 0 ? kept.join(' ') : undefined;
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
    if (interaction.prompt.name === 'consent') return showConsent(deps, ctx, interaction);
    return deps.pages.error(ctx, 400, 'Unsupported step', 'This sign-in step is not supported.');
  };
}
