import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createApp } from './http/app.ts';
import { createLoginThrottle } from './interactions/login-throttle.ts';
import { createRequestThrottle } from './limits/request-throttle.ts';
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
    issuerIsHttps: config.issuerIsHttps,
    provider: services.provider,
    accounts: services.accounts,
    clients: services.clients,
    authorizationThrottle: createRequestThrottle({
      name: 'authorization-requests',
      points: config.authorizationRequests.rateLimit,
      durationSeconds: config.authorizationRequests.rateWindowSeconds,
      redis: store.redis,
      keyPrefix: store.keyPrefix,
    }),
    authorizationLimits: {
      maxParameterLength: config.authorizationRequests.maxParameterLength,
      maxTotalLength: config.authorizationRequests.maxTotalLength,
    },
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
  // A client that trickles its headers or body is cut off after the configured timeouts (checked
  // every second, not Node's default 30 s), idle keep-alive outlives a load balancer's usual 60 s,
  // and the number of connections is capped.
  const handle = app.callback();
  const server = createServer(
    { headersTimeout: config.http.headersTimeoutMs, requestTimeout: config.http.requestTimeoutMs, connectionsCheckingInterval: 1000, keepAliveTimeout: 65_000 },
    // Koa's handler returns a promise that the http server does not need.
    (req, res) => void handle(req, res),
  );
  server.maxConnections = config.http.maxConnections;
  server.listen(port, host);
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
