import { listen, type RunningServer } from '../http/listen.ts';
import { dependencyChecks } from '../observability/health.ts';
import type { Services } from '../services.ts';
import { createAdminApp } from './admin-app.ts';
import { createAdminAuthenticator } from './admin-auth.ts';
import type { AdminRoute } from './admin-route.ts';
import { auditRoutes } from './routes/audit-routes.ts';
import { clientRoutes } from './routes/client-routes.ts';
import { keyRoutes } from './routes/key-routes.ts';
import { registrationRoutes } from './routes/registration-routes.ts';
import { resourceRoutes } from './routes/resource-routes.ts';
import { metadataDocumentClientRoutes } from './routes/metadata-document-client-routes.ts';
import { userRoutes } from './routes/user-routes.ts';

export type RunningAdminServer = RunningServer;

/** Every admin route, in the order the OpenAPI document lists them. */
export function adminRoutes(services: Services): AdminRoute[] {
  const { management } = services;
  return [
    ...clientRoutes(management.clients),
    ...metadataDocumentClientRoutes(management.metadataDocumentClients),
    ...userRoutes(management.users),
    ...resourceRoutes(management.resources),
    ...keyRoutes(management.keys),
    ...registrationRoutes(management.registration),
    ...auditRoutes(services.audit),
  ];
}

/** Listens on ADMIN_HOST:ADMIN_PORT (127.0.0.1:3001 by default: private unless opened on purpose). */
export async function startAdminServer(services: Services, port = services.config.admin.port, host = services.config.admin.host): Promise<RunningServer> {
  const { config, db, store, logger } = services;
  const app = createAdminApp({
    issuer: config.issuer,
    resource: config.admin.resource,
    version: services.version,
    routes: adminRoutes(services),
    authenticate: createAdminAuthenticator({ issuer: config.issuer, resource: config.admin.resource, publicJwks: () => services.signingKeys.publishedJwks(), clients: services.clients }),
    metrics: services.metrics,
    healthChecks: dependencyChecks({ db, store }),
    logger,
  });
  return listen(app.callback(), { port, host, http: config.http, tls: config.tls, onTlsReloadError: (error) => services.logger.warn({ err: error }, 'TLS files changed but do not load; still serving the previous certificate') });
}
