import { constants, createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Config } from '../config/config.ts';
import { readTlsFiles, type TlsFiles } from './tls-files.ts';

const MAX_STREAMS = 100;
const IDLE_MS = 65_000;

export type Handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

export interface SecureServer {
  readonly server: Http2SecureServer;
  /** Ends every connection once its requests in flight are answered (HTTP/2: GOAWAY). */
  drain(): void;
}

/**
 * HTTPS with TLS 1.2 and later, HTTP/2 or HTTP/1.1 as the client's ALPN asks. HTTP/1.1
 * connections keep the header and request timeouts of the plain listener; Node applies none to
 * HTTP/2 streams, so each stream gets the request timeout itself, and a connection at most
 * MAX_STREAMS streams at once.
 */
export function createHttpsServer(tls: TlsFiles, http: Config['http'], timeouts: Record<string, number>, handler: Handler): SecureServer {
  const sessions = new Set<ServerHttp2Session>();
  const http1 = new Map<TLSSocket, number>();
  let draining = false;
  // At most MAX_STREAMS requests in flight per HTTP/2 connection, so HTTP_MAX_CONNECTIONS bounds them too.
  const options = { ...timeouts, ...readTlsFiles(tls), minVersion: 'TLSv1.2' as const, allowHTTP1: true, settings: { maxConcurrentStreams: MAX_STREAMS } };
  const server = createSecureServer(options, (req, res) => {
    if (req.httpVersionMajor === 2) {
      // Like HTTP/1.1's request timeout: the whole request (its body included) within the time, however it trickles.
      const cancel = setTimeout(() => req.stream.close(constants.NGHTTP2_CANCEL), http.requestTimeoutMs);
      const received = () => clearTimeout(cancel);
      if (req.stream.endAfterHeaders) received();
      req.once('end', received);
      res.once('close', received);
      // HTTP/2 frames its body without content-length, but type-is (Koa's and oidc-provider's
      // content-type checks) sees a body only through content-length or transfer-encoding.
      if (!req.stream.endAfterHeaders && req.headers['content-length'] === undefined) req.headers['transfer-encoding'] = 'chunked';
    } else {
      const socket = req.socket as TLSSocket;
      http1.set(socket, (http1.get(socket) ?? 0) + 1);
      res.once('close', () => {
        const left = (http1.get(socket) ?? 1) - 1;
        http1.set(socket, left);
        if (draining && left === 0) socket.destroy();
      });
    }
    handler(req, res);
  });
  // A connection that sends nothing for a keep-alive's time is closed, as on the plain listener.
  server.setTimeout(IDLE_MS);
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') return;
    http1.set(socket, 0);
    socket.once('close', () => http1.delete(socket));
  });
  return {
    server,
    drain() {
      draining = true;
      for (const session of sessions) session.close();
      for (const [socket, inFlight] of http1) if (inFlight === 0) socket.destroy();
    },
  };
}
