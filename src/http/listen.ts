import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Config } from '../config/config.ts';

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
  { port, host, http }: { port: number; host: string; http: Config['http'] },
): Promise<RunningServer> {
  const server = createServer(
    { headersTimeout: http.headersTimeoutMs, requestTimeout: http.requestTimeoutMs, connectionsCheckingInterval: 1000, keepAliveTimeout: 65_000 },
    // Koa's handler returns a promise that the http server does not need.
    (req, res) => void handle(req, res),
  );
  server.maxConnections = http.maxConnections;
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shownHost}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
