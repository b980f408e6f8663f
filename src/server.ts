import { createApp } from './http/app.ts';
import { listen, type RunningServer } from './http/listen.ts';
import { dependencyChecks } from './observability/health.ts';
import { createLoginThrottle } from './interactions/login-throttle.ts';
import { createRequestThrottle } from './limits/request-throttle.ts';
import type { Services } from './services.ts';
import { createPasskeyAccountRouter } from './passkeys/passkey-account-pages.ts';
import { createTotpAccountRouter } from './mfa/totp-account-pages.ts';

export type { RunningServer } from './http/listen.ts';

/** Builds the public app over opened services and listens; `close` stops accepting and drains. */
export async function startServer(services: Services, port = services.config.port, host = services.config.host): Promise<RunningServer> {
  const { config, db, store, logger } = services;
  const app = createApp({
    issuer: config.issuer,
    issuerIsHttps: config.issuerIsHttps,
    provider: services.providerHandle,
    accounts: services.accounts,
    clients: services.clients,
    resources: services.resources,
    authorizationThrottle: createRequestThrottle({
      name: 'authorization-requests',
      points: config.authorizationRequests.rateLimit,
      durationSeconds: config.authorizationRequests.rateWindowSeconds,
      redis: store.redis,
      keyPrefix: store.keyPrefix,
    }),
    registrationThrottle:
      config.registration.mode === 'open'
        ? createRequestThrottle({ name: 'client-registrations', points: config.registration.ratePerHour, durationSeconds: 3600, redis: store.redis, keyPrefix: store.keyPrefix })
        : undefined,
    authorizationLimits: {
      maxParameterLength: config.authorizationRequests.maxParameterLength,
      maxTotalLength: config.authorizationRequests.maxTotalLength,
    },
    throttle: createLoginThrottle({ ...config.loginThrottle, redis: store.redis, keyPrefix: store.keyPrefix }),
    totp: services.totp,
    views: services.views,
    securityEvents: services.securityEvents,
    metrics: services.metrics,
    selfService: services.selfService,
    passkeys: services.passkeys,
    accountPage: {
      store,
      audit: services.audit,
      // An account-page session lasts as long as the browser's sign-in may, at most 12 hours.
      sessionTtlSeconds: Math.min(config.ttl.session, 12 * 3600),
      sessionLogout: services.sessionLogout,
      security: async (accountId) => ({ totp: await services.totp.summary(accountId), passkeys: await services.passkeys.list(accountId) }),
      sections: [
        createTotpAccountRouter({ totp: services.totp, accounts: services.accounts, views: services.views }),
        createPasskeyAccountRouter({ passkeys: services.passkeys, accounts: services.accounts, views: services.views }),
      ],
    },
    logger,
    cookieKeys: services.cookieKeys,
    trustProxy: config.trustProxy,
    healthChecks: dependencyChecks({ db, store }),
  });
  return listen(app.callback(), { port, host, http: config.http, tls: config.tls, onTlsReloadError: (error) => services.logger.warn({ err: error }, 'TLS files changed but do not load; still serving the previous certificate') });
}
