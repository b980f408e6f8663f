import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from './tls.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An https site that publishes client ID metadata documents, with a self-signed certificate for localhost and 127.0.0.1. */
export interface DocumentHost {
  /** The certificate to trust (OUTBOUND_CA_FILE). */
  readonly certFile: string;
  readonly port: number;
  /** `localhost:<port>`: the host to list in CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS. */
  readonly host: string;
  url(path: string, hostname?: 'localhost' | '127.0.0.1'): string;
  /** Publishes `document` at `path` (its client_id filled in as its own URL unless given); returns that URL. */
  publish(path: string, document: Record<string, unknown>, headers?: Record<string, string>): string;
  /** Answers `path` some other way. */
  route(path: string, handler: Handler): string;
  /** GETs of `path` seen so far. */
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startDocumentHost(): Promise<DocumentHost> {
  const { cert, key, certFile } = selfSignedCertificate('client-id-metadata-documents');
  const routes = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const server: Server = createServer({ cert, key }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (handler) return handler(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = (path: string, hostname = 'localhost') => `https://${hostname}:${port}${path}`;
  return {
    certFile,
    port,
    host: `localhost:${port}`,
    url,
    publish(path, document, headers = {}) {
      const id = url(path);
      const body = JSON.stringify({ client_id: id, ...document });
      routes.set(path, (_req, res) => res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(body));
      return id;
    },
    route(path, handler) {
      routes.set(path, handler);
      return url(path);
    },
    hits: (path) => counts.get(path) ?? 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
