import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Config } from '../config/config.ts';
import { readTlsFiles, watchTlsFiles, type TlsFiles } from './tls-files.ts';

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `handle` on host:port. A client that trickles its headers or body is cut off after the
 * configured timeouts (checked every second, not Node's default 30 s), idle keep-alive outlives a
 * load balancer's usual 60 s, and the number of connections is capped. `close` stops accepting and
 * drains.
 */
export async function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  { port, host, http, tls, onTlsReloadError }: { port: number; host: string; http: Config['http']; tls?: TlsFiles | undefined; onTlsReloadError?: (error: Error) => void },
): Promise<RunningServer> {
  const options = { headersTimeout: http.headersTimeoutMs, requestTimeout: http.requestTimeoutMs, connectionsCheckingInterval: 1000, keepAliveTimeout: 65_000 };
  // Koa's handler returns a promise that the http server does not need.
  const handler = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  // TLS 1.2 and later only; HTTP/1.1 (oidc-provider and Koa's middleware expect its request objects).
  const secure = tls ? createTlsServer({ ...options, ...readTlsFiles(tls), minVersion: 'TLSv1.2' }, handler) : undefined;
  const server: Server = secure ?? createServer(options, handler);
  const stopWatching = secure && tls ? watchTlsFiles(tls, (material) => secure.setSecureContext({ ...material, minVersion: 'TLSv1.2' }), (error) => onTlsReloadError?.(error)) : () => {};
  server.maxConnections = http.maxConnections;
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `${secure ? 'https' : 'http'}://${shownHost}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        stopWatching();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
