import { once } from 'node:events';
import type { Server } from 'node:http';
import { createApp } from './http/app.ts';
import { createLoginThrottle } from './interactions/login-throttle.ts';
import type { Services } from './services.ts';

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the public app over opened services and listens; `close` stops accepting and drains. */
export async function startServer(services: Services, port = services.config.port, host = services.config.host): Promise<RunningServer> {
  const { config, db, store, logger } = services;
  const app = createApp({
    issuer: config.issuer,
    provider: services.provider,
    accounts: services.accounts,
    throttle: createLoginThrottle({ ...config.loginThrottle, redis: store.redis, keyPrefix: store.keyPrefix }),
    views: services.views,
    logger,
    cookieKeys: services.cookieKeys,
    trustProxy: config.trustProxy,
    healthChecks: [
      { name: 'database', check: () => db.ping() },
      { name: 'store', check: () => store.ping() },
    ],
  });
  const server = app.listen(port, host);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  await once(server, 'listening');
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
