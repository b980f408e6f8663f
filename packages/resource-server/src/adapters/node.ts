/**
 * `@portcullis/resource-server/node`: bare `node:http` (or `node:https`, `node:http2`'s
 * compatibility API) request handlers.
 *
 * @example
 * ```js
 * import { createServer } from 'node:http';
 * import { createResourceServer } from '@portcullis/resource-server';
 * import { authenticate, protectedResourceMetadata } from '@portcullis/resource-server/node';
 *
 * const rs = createResourceServer({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
 * const serveMetadata = protectedResourceMetadata(rs);
 * createServer(async (req, res) => {
 *   if (serveMetadata(req, res)) return;
 *   const auth = await authenticate(rs, req, res, 'orders:read'); // undefined: already answered 401/403
 *   if (!auth) return;
 *   res.end(JSON.stringify({ user: auth.sub }));
 * }).listen(4000);
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '../auth-info.ts';
import { errorAnswer, type HttpAnswer } from '../errors.ts';
import { checkScopeNames, verifierOf, type ResourceServer } from '../resource-server.ts';

/** Writes a framework-neutral answer (status, headers, body) to a Node response. */
export function sendAnswer(res: ServerResponse, answer: HttpAnswer): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(answer.body === '' ? undefined : answer.body);
}

/**
 * Checks the request's access token and that it holds every scope in `scopes` (none: any valid
 * token). Resolves to the {@link AuthInfo}; when the request is refused it has already answered
 * (400 / 401 / 403, `WWW-Authenticate`, JSON body) and resolves to `undefined`.
 */
export async function authenticate(
  rs: ResourceServer,
  req: IncomingMessage,
  res: ServerResponse,
  ...scopes: string[]
): Promise<AuthInfo | undefined> {
  const required = checkScopeNames(scopes, 'authenticate()');
  try {
    return await verifierOf(rs)(req.headers.authorization, req.headers.dpop, req.method ?? 'GET', req.url ?? '/', required);
  } catch (error) {
    sendAnswer(res, errorAnswer(error));
    return undefined;
  }
}

/**
 * Returns a function that answers a request for the RFC 9728 document (at
 * `/.well-known/oauth-protected-resource` and the path-inserted path) and returns `true`, or
 * returns `false` without touching the response for any other request.
 */
export function protectedResourceMetadata(rs: ResourceServer): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const answer = rs.metadataAnswer(req.method ?? 'GET', req.url ?? '/');
    if (answer === undefined) return false;
    sendAnswer(res, answer);
    return true;
  };
}
