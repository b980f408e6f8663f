import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Config } from '../config/config.ts';
import { createHttpsServer } from './secure-server.ts';
import { watchTlsFiles, type TlsFiles } from './tls-files.ts';

export interface RunningServer {
  readonly server: Server | Http2SecureServer;
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
  handle: (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => Promise<void>,
  { port, host, http, tls, onTlsReloadError }: { port: number; host: string; http: Config['http']; tls?: TlsFiles | undefined; onTlsReloadError?: (error: Error) => void },
): Promise<RunningServer> {
  const options = { headersTimeout: http.headersTimeoutMs, requestTimeout: http.requestTimeoutMs, connectionsCheckingInterval: 1000, keepAliveTimeout: 65_000 };
  // Koa's handler returns a promise that the http server does not need.
  const handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void handle(req, res);
  const https = tls ? createHttpsServer(tls, http, options, handler) : undefined;
  const secure = https?.server;
  const plain = https ? undefined : createServer(options, handler);
  const server = secure ?? plain!;
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
        https?.drain();
        plain?.closeIdleConnections();
      }),
  };
}
