import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.ts';
import { resourceIndicatorsOf, userFlowScopes } from '../clients/user-flow-scopes.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { SelfService } from '../self-service/self-service.ts';
import type { SecurityEvents } from '../audit/security-events.ts';
import type { Logger } from '../observability/logger.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { InteractionPages } from './pages.ts';
import type { ProviderHandle } from '../keys/provider-handle.ts';
import type { TotpService } from '../mfa/totp-service.ts';
import type { PasskeyService } from '../passkeys/passkey-service.ts';
import { pageText } from '../pages/page-text.ts';

export interface InteractionDependencies {
  /** Asked for `current` on every use: the provider is replaced when the signing keys change. */
  readonly provider: Pick<ProviderHandle, 'current'>;
  readonly accounts: AccountService;
  readonly clients: Pick<ClientRegistry, 'find'>;
  /** Registered APIs, for the words the consent page shows. */
  readonly resources: Pick<ResourceRegistry, 'find'>;
  readonly throttle: LoginThrottle;
  /** The second step after the password, for accounts with an authenticator app. */
  readonly totp: Pick<TotpService, 'isEnrolled' | 'checkCode'>;
  readonly pages: InteractionPages;
  readonly logger: Logger;
  readonly secureCookies: boolean;
  /** Sign-ins counted and audited. */
  readonly securityEvents?: SecurityEvents | undefined;
  /** Sign-up and email verification; undefined: neither is offered. */
  readonly selfService?: SelfService | undefined;
  /** Signing in with a passkey; undefined: not offered. */
  readonly passkeys?: PasskeyService | undefined;
}

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** What oidc-provider's consent prompt reports as not yet granted. */
export interface ConsentPrompt {
  readonly missingOIDCScope: string[];
  readonly missingOIDCClaims: string[];
  readonly missingResourceScopes: Record<string, string[]>;
}

/** The interaction `loadInteraction` found for this request. */
export const interactionOf = (ctx: Context): Interaction => (ctx.state as { interaction: Interaction }).interaction;

/** Loads the interaction named by the URL and bound to this browser's cookie, or shows why not. */
export function loadInteraction({ provider, pages }: InteractionDependencies): Middleware {
  return async function loadInteractionOfRequest(ctx, next) {
    let interaction: Interaction;
    try {
      interaction = await provider.current.interactionDetails(ctx.req, ctx.res);
      if (interaction.uid !== (ctx.params as Record<string, string>).uid) throw new Error('interaction mismatch');
    } catch {
      return pages.error(ctx, 400, pageText('error_page.page_expired.heading'), pageText('error_page.go_back_and_start_signing_in_again'));
    }
    (ctx.state as { interaction: Interaction }).interaction = interaction;
    await next();
  };
}

/** Every scope the interaction's client may be granted (ADR 7). */
export async function allowedScopesFor({ clients, provider, resources }: InteractionDependencies, interaction: Interaction): Promise<ReadonlySet<string>> {
  const clientId = String(interaction.params.client_id);
  // A client the registry does not hold (a client ID metadata document) has the provider's copy.
  const metadata = (await clients.find(clientId))?.metadata ?? (await provider.current.Client.find(clientId))?.metadata();
  return userFlowScopes(metadata, resourceIndicatorsOf(interaction.params.resource), resources);
}

/** The consent prompt's details, limited to what the client may be granted. */
export async function consentPromptOf(deps: InteractionDependencies, interaction: Interaction): Promise<ConsentPrompt> {
  const reported = interaction.prompt.details as Partial<ConsentPrompt>;
  const allowed = await allowedScopesFor(deps, interaction);
  const keep = (scopes: string[] | undefined) => (scopes ?? []).filter((scope) => allowed.has(scope));
  return {
    missingOIDCScope: keep(reported.missingOIDCScope),
    missingOIDCClaims: reported.missingOIDCClaims ?? [],
    missingResourceScopes: Object.fromEntries(
      Object.entries(reported.missingResourceScopes ?? {})
        .map(([indicator, scopes]) => [indicator, keep(scopes)] as const)
        .filter(([, scopes]) => scopes.length > 0),
    ),
  };
}

export async function clientNameOf({ provider }: InteractionDependencies, clientId: unknown): Promise<string> {
  const client = typeof clientId === 'string' ? await provider.current.Client.find(clientId) : undefined;
  return client?.clientName ?? (typeof clientId === 'string' ? clientId : 'the application');
}

/** Hands the step's result to oidc-provider; returns where the browser goes on with the authorization flow. */
export async function storeInteractionResult({ provider }: InteractionDependencies, ctx: Context, result: Parameters<Provider['interactionResult']>[2]): Promise<string> {
  // Each step's result stands alone, except within one authorization request: `prompt=create`,
  // once answered by a sign-up, stays answered, and a consent keeps the sign-in that came just
  // before it (otherwise `prompt=login` would ask for the password again after every consent).
  const last = (interactionOf(ctx).lastSubmission ?? {}) as { create?: unknown; login?: unknown };
  const carried = 'error' in result ? {} : { ...(last.create ? { create: last.create } : {}), ...(result.consent && last.login ? { login: last.login } : {}) };
  return provider.current.interactionResult(ctx.req, ctx.res, { ...carried, ...result } as typeof result, { mergeWithLastSubmission: false });
}

/** Hands the step's result to oidc-provider and sends the browser back to the authorization flow. */
export async function finishInteraction(deps: InteractionDependencies, ctx: Context, result: Parameters<Provider['interactionResult']>[2]): Promise<void> {
  const redirectTo = await storeInteractionResult(deps, ctx, result);
  ctx.status = 303;
  ctx.set('cache-control', 'no-store');
  ctx.redirect(redirectTo);
}
