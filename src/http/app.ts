import Router from '@koa/router';
import Koa from 'koa';
import type { AccountService } from '../accounts/account-service.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import { createInteractionRouter } from '../interactions/interaction-router.ts';
import type { LoginThrottle } from '../interactions/login-throttle.ts';
import type { TotpService } from '../mfa/totp-service.ts';
import type { Views } from '../pages/views.ts';
import type { ProviderHandle } from '../keys/provider-handle.ts';
import { addHealthRoutes, type HealthCheck } from '../observability/health.ts';
import type { SecurityEvents } from '../audit/security-events.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { assignRequestId } from '../observability/request-id.ts';
import { errorHandler } from './error-handler.ts';
import { normalizeForwardedHeaders } from './forwarded-headers.ts';
import { refuseInsecureTransport } from './insecure-transport.ts';
import { servedUnderIssuerPath } from './issuer-path.ts';
import { onlyUnder } from './middleware-chain.ts';
import type { SizeLimits } from './protocol-parameters.ts';
import { providerGateway } from './provider-gateway.ts';
import { NO_PROXY, parseProxyList } from './proxy-trust.ts';
import type { RequestThrottle } from '../limits/request-throttle.ts';
import { requestLog } from './request-log.ts';
import { securityHeaders } from './security-headers.ts';
import { textBoundary } from './text-boundary.ts';
import type { SelfService } from '../self-service/self-service.ts';
import { createVerifyEmailRouter } from '../self-service/verify-email-page.ts';
import { createPasswordResetRouter } from '../self-service/password-reset-pages.ts';
import { createAssetRouter } from '../passkeys/assets.ts';
import type { PasskeyService } from '../passkeys/passkey-service.ts';
import { createAccountPages } from '../account/account-router.ts';
import type { AccountPageDependencies } from '../account/account-context.ts';
import { AccountSessions } from '../account/account-sessions.ts';
import { accountSignIn } from '../account/account-sign-in.ts';
import { createInteractionPages } from '../interactions/pages.ts';

export interface AppDependencies {
  readonly issuer: string;
  /** Config.issuerIsHttps. */
  readonly issuerIsHttps: boolean;
  /** Whichever provider is current (a new one comes with every new signing key set). */
  readonly provider: Pick<ProviderHandle, 'current' | 'middleware'>;
  readonly accounts: AccountService;
  readonly clients: Pick<ClientRegistry, 'find'>;
  /** Registered APIs, for the words the consent page shows. */
  readonly resources: Pick<ResourceRegistry, 'find'>;
  readonly throttle: LoginThrottle;
  /** The code step after the password, for accounts with an authenticator app. */
  readonly totp: Pick<TotpService, 'isEnrolled' | 'checkCode'>;
  readonly authorizationThrottle: RequestThrottle;
  readonly registrationThrottle?: RequestThrottle | undefined;
  readonly authorizationLimits: SizeLimits;
  readonly views: Views;
  readonly logger: Logger;
  readonly cookieKeys: readonly string[];
  /** Addresses/CIDRs of trusted proxies (validated by the configuration). */
  readonly trustProxy: readonly string[];
  readonly healthChecks: readonly HealthCheck[];
  readonly securityEvents?: SecurityEvents | undefined;
  /** Times each request; the public app names provider routes by their path, anything else "other". */
  readonly metrics?: Metrics | undefined;
  /** Sign-up and email verification; undefined: not offered. */
  readonly selfService?: SelfService | undefined;
  /** Signing in with a passkey from the login page; undefined: not offered. */
  readonly passkeys?: PasskeyService | undefined;
  /** The account page (`/account`): where it keeps its sessions and lists an account's grants and sessions. */
  readonly accountPage?: AccountPageSetup | undefined;
}

export interface AccountPageSetup {
  readonly store: AccountPageDependencies['store'];
  readonly audit: AccountPageDependencies['audit'];
  readonly sessionTtlSeconds: number;
  readonly security: AccountPageDependencies['security'];
  readonly sessionLogout: AccountPageDependencies['sessionLogout'];
  readonly sections: readonly Router[];
}

const PROVIDER_ROUTES = new Set(['/auth', '/token', '/token/introspection', '/token/revocation', '/me', '/jwks', '/request', '/session/end', '/session/end/confirm', '/session/end/success', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/reg', '/device/auth', '/device']);

/** A bounded route label: the router's template, a known provider path, or undefined ("other"). */
function publicRouteOf(ctx: { path: string; _matchedRoute?: string | RegExp }): string | undefined {
  if (typeof ctx._matchedRoute === 'string') return ctx._matchedRoute;
  const path = ctx.path.toLowerCase().replace(/\/+$/, '');
  if (PROVIDER_ROUTES.has(path)) return path;
  if (path.startsWith('/device/')) return '/device/:uid';
  return path.startsWith('/reg/') ? '/reg/:client_id' : undefined;
}

/**
 * The public HTTP app: health endpoints and interaction pages are Portcullis's own; every other
 * path is handed to oidc-provider.
 */
export function createApp(deps: AppDependencies): Koa {
  const secure = deps.issuerIsHttps;
  const parsed = deps.trustProxy.length > 0 ? parseProxyList(deps.trustProxy) : NO_PROXY;
  if ('problems' in parsed) throw new Error(`TRUST_PROXY: ${parsed.problems.join('; ')}`);
  // normalizeForwardedHeaders leaves exactly one X-Forwarded-For and X-Forwarded-Proto, decided from
  // the trusted proxies, so Koa may read them (maxIpsCount 1: only that entry).
  const app = new Koa({ proxy: true, maxIpsCount: 1, keys: [...deps.cookieKeys] });
  app.silent = true;

  const router = new Router();
  addHealthRoutes(router, deps.healthChecks);
  router.get('/', (ctx) => {
    ctx.body = {
      name: 'Portcullis',
      issuer: deps.issuer,
      discovery: `${deps.issuer}/.well-known/openid-configuration`,
    };
  });

  const interactions = createInteractionRouter({
    provider: deps.provider,
    accounts: deps.accounts,
    clients: deps.clients,
    resources: deps.resources,
    throttle: deps.throttle,
    totp: deps.totp,
    views: deps.views,
    logger: deps.logger.child({ component: 'interaction' }),
    secureCookies: secure,
    securityEvents: deps.securityEvents,
    selfService: deps.selfService,
    passkeys: deps.passkeys,
  });

  app.use(assignRequestId());
  if (deps.metrics) app.use(deps.metrics.httpMiddleware(publicRouteOf));
  app.use(normalizeForwardedHeaders({ issuer: deps.issuer, trust: parsed }));
  app.use(requestLog(deps.logger.child({ component: 'http' })));
  app.use(securityHeaders({ hsts: secure }));
  app.use(errorHandler(deps.logger));
  app.use(servedUnderIssuerPath({ issuer: deps.issuer, views: deps.views }));
  if (secure) app.use(refuseInsecureTransport({ issuer: deps.issuer, views: deps.views }));
  // Text that the stores cannot hold, and oversized bodies, stop here, before any route.
  app.use(textBoundary({ views: deps.views }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(onlyUnder('/interaction/', interactions.routes(), interactions.allowedMethods()));
  app.use(onlyUnder('/assets/', createAssetRouter().routes()));
  if (deps.selfService) {
    const verifyEmail = createVerifyEmailRouter({ selfService: deps.selfService, provider: deps.provider, views: deps.views, logger: deps.logger.child({ component: 'self-service' }) });
    app.use(onlyUnder('/verify-email', verifyEmail.routes(), verifyEmail.allowedMethods()));
    const passwordReset = createPasswordResetRouter({ selfService: deps.selfService, views: deps.views, logger: deps.logger.child({ component: 'self-service' }) });
    app.use(onlyUnder('/password-reset', passwordReset.routes(), passwordReset.allowedMethods()));
  }
  if (deps.selfService && deps.accountPage) app.use(accountPages(deps, deps.selfService, deps.accountPage));
  app.use(providerGateway({ provider: deps.provider, clients: deps.clients, resources: deps.resources, views: deps.views, limits: deps.authorizationLimits, authorizationThrottle: deps.authorizationThrottle, registrationThrottle: deps.registrationThrottle }));
  return app;
}

function accountPages(deps: AppDependencies, selfService: SelfService, setup: AccountPageSetup) {
  const sessions = new AccountSessions(setup.store, setup.sessionTtlSeconds);
  return createAccountPages({
    issuer: deps.issuer,
    provider: deps.provider,
    accounts: deps.accounts,
    store: setup.store,
    clients: deps.clients,
    resources: deps.resources,
    throttle: deps.throttle,
    selfService,
    sessions,
    signIn: accountSignIn({ issuer: deps.issuer, provider: deps.provider, sessions, secureCookies: deps.issuerIsHttps }),
    pages: createInteractionPages(deps.views),
    audit: setup.audit,
    logger: deps.logger.child({ component: 'account' }),
    secureCookies: deps.issuerIsHttps,
    security: setup.security,
    sessionLogout: setup.sessionLogout,
    views: deps.views,
    sections: setup.sections,
  });
}
