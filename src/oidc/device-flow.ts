import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { AccountRepository } from '../accounts/account-repository.ts';
import { audienceOf } from '../clients/client-record.ts';
import { resourceIndicatorsOf, userFlowScopes } from '../clients/user-flow-scopes.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { Config } from '../config/config.ts';
import { createInteractionPages } from '../interactions/pages.ts';
import type { Views } from '../pages/views.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import { markWrongUserCode, prefilledUserCodeOf } from './device-flow-guard.ts';
import { emitDeviceFlowEvent, type DeviceFlowEvent } from './device-flow-events.ts';
import { isOidcScope, scopeList } from './scopes.ts';
import { describeScope } from '../interactions/scope-wording.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

type DeviceFlowOptions = NonNullable<NonNullable<Configuration['features']>['deviceFlow']>;

export interface DeviceFlowDependencies {
  readonly config: Pick<Config, 'deviceFlow'>;
  readonly views: Views;
  readonly clientRegistry: Pick<ClientRegistry, 'find'>;
  readonly resources: Pick<ResourceRegistry, 'find'>;
  readonly accounts: Pick<AccountRepository, 'findById'>;
}

/** Why the code page is shown again, by oidc-provider's error names, in words for the person. */
const CODE_PROBLEMS: Record<string, PageText> = {
  NoCodeError: pageText('device_code.error.no_code'),
  NotFoundError: pageText('device_code.error.not_found'),
  ExpiredError: pageText('device_code.error.expired'),
  AlreadyUsedError: pageText('device_code.error.already_used'),
  // oidc-provider's CSRF check: a form from an older visit, or one whose session has ended.
  InvalidRequest: pageText('device_code.error.page_expired'),
};
const SOMETHING_WRONG = pageText('device_code.error.something_wrong');
// After the sign-in (route device_resume) the code was entered long ago: only "start again" helps.
const RESUME_PROBLEM = pageText('device_code.error.resume_expired');

const hostOf = (identifier: string): string => (URL.canParse(identifier) ? new URL(identifier).host || identifier : identifier);

/** What the device asks for, in words: OpenID scopes by description, API scopes under their API. */
async function requestedAccess(deps: DeviceFlowDependencies, clientId: string, params: Record<string, unknown>) {
  const registration = await deps.clientRegistry.find(clientId);
  if (!registration) return { scopes: [], resources: [] };
  const asked = resourceIndicatorsOf(params.resource);
  const allowed = await userFlowScopes(registration.metadata, asked, deps.resources);
  const requested = scopeList(params.scope).filter((scope) => allowed.has(scope));
  const audience = audienceOf(registration.metadata);
  const resources = await Promise.all(
    asked.map(async (identifier) => {
      const found = await deps.resources.find(identifier);
      const resource = found && (audience.includes(identifier) || found.userAccess === 'any-client') ? found : undefined;
      const scopes = resource ? requested.filter((scope) => resource.scopes.includes(scope)) : [];
      return { name: resource?.name ?? hostOf(identifier), host: hostOf(identifier), scopes: scopes.map((scope) => resource?.scopeDescriptions[scope] ?? scope) };
    }),
  );
  return { scopes: requested.filter(isOidcScope).map(describeScope), resources: resources.filter((resource) => resource.scopes.length > 0) };
}

/** oidc-provider's CSRF token for the device forms: a secret it keeps in its session and checks on POST. */
function xsrfOf(ctx: KoaContextWithOIDC): string {
  const secret = (ctx.oidc.session?.state as { secret?: unknown } | undefined)?.secret;
  return typeof secret === 'string' ? secret : '';
}
const clientNameOf = (client: { clientName?: unknown; clientId: string } | undefined): string | undefined =>
  client ? (typeof client.clientName === 'string' && client.clientName ? client.clientName : client.clientId) : undefined;

/**
 * `features.deviceFlow` (RFC 8628): user codes of 8 consonants without vowels or look-alikes
 * (`BCDF-GHJK`, about 34 bits), and the three pages in our views and layout with the headers of
 * every other page. The forms carry oidc-provider's own CSRF token (`xsrf`, kept in its session).
 */
export function deviceFlowFeature(deps: DeviceFlowDependencies): DeviceFlowOptions {
  const pages = createInteractionPages(deps.views);
  const emit = (ctx: KoaContextWithOIDC, event: Omit<DeviceFlowEvent, 'address'>) => emitDeviceFlowEvent(ctx.oidc.provider, { ...event, address: ctx.ip });

  async function showDone(ctx: KoaContextWithOIDC, approved: boolean) {
    const clientId = ctx.oidc.client?.clientId ?? ctx.oidc.entities.DeviceCode?.clientId;
    const client = ctx.oidc.client ?? (clientId ? await ctx.oidc.provider.Client.find(clientId) : undefined);
    const accountId = ctx.oidc.session?.accountId;
    emit(ctx, { action: approved ? 'device.approved' : 'device.denied', clientId, accountId });
    const account = approved && accountId ? await deps.accounts.findById(accountId) : null;
    await pages.render(ctx, 200, 'device-done', { approved, clientName: clientNameOf(client), email: account?.email });
  }

  return {
    enabled: deps.config.deviceFlow.enabled,
    charset: 'base-20',
    mask: '****-****',

    async userCodeInputSource(ctx, _form, _out, error) {
      // Deny on the confirm page, Cancel at login or Deny at consent: the device gets access_denied.
      if (error?.name === 'AbortedError') return showDone(ctx, false);
      if (error?.name === 'NotFoundError') {
        markWrongUserCode(ctx);
        emit(ctx, { action: 'device.code_rejected' });
      }
      const known = error && Object.hasOwn(CODE_PROBLEMS, error.name) ? CODE_PROBLEMS[error.name] : undefined;
      const problem = !error ? undefined : ctx.oidc.route === 'device_resume' && known ? RESUME_PROBLEM : (known ?? SOMETHING_WRONG);
      const entered = (error as { userCode?: unknown } | undefined)?.userCode;
      const prefilled = prefilledUserCodeOf(ctx);
      await pages.render(ctx, !error ? 200 : known ? 400 : ctx.status, 'device-code', {
        action: ctx.oidc.urlFor('code_verification'),
        xsrf: xsrfOf(ctx),
        userCode: typeof entered === 'string' ? entered : (prefilled ?? ''),
        prefilled: !error && prefilled !== undefined,
        error: problem,
      });
    },

    async userCodeConfirmSource(ctx, _form, client, _deviceInfo, userCode) {
      const code = ctx.oidc.entities.DeviceCode;
      emit(ctx, { action: 'device.code_entered', clientId: client.clientId, accountId: ctx.oidc.session?.accountId });
      const access = await requestedAccess(deps, client.clientId, code?.params ?? {});
      await pages.render(ctx, 200, 'device-confirm', {
        action: ctx.oidc.urlFor('code_verification'),
        xsrf: xsrfOf(ctx),
        userCode,
        clientName: clientNameOf(client),
        ...access,
      });
    },

    successSource: (ctx) => showDone(ctx, true),
  };
}
