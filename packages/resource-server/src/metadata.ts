/**
 * RFC 9728 protected resource metadata: the document, and the framework-neutral answer to a
 * request for it that every adapter's `protectedResourceMetadata()` sends.
 */
import type { RequestUrl } from './dpop.ts';
import type { HttpAnswer } from './errors.ts';
import type { ResolvedOptions, ResolvedResourceMetadata } from './options.ts';

/** The document served at `/.well-known/oauth-protected-resource[/<path>]` (RFC 9728 §2). */
export interface ProtectedResourceMetadata {
  /** The resource identifier: tokens must be asked for it (RFC 8707 `resource`) and carry it in `aud`. */
  readonly resource: string;
  /** Issuer identifiers of the authorization servers that issue tokens for this resource. */
  readonly authorization_servers: readonly string[];
  /** How a token may be sent: only in the `Authorization` header. */
  readonly bearer_methods_supported: readonly ['header'];
  readonly scopes_supported?: readonly string[];
  /** Present when DPoP-bound tokens are accepted (`publicUrl` set). */
  readonly dpop_signing_alg_values_supported?: readonly string[];
  readonly resource_name?: string;
  readonly resource_documentation?: string;
}

const ALLOW = 'GET, HEAD, OPTIONS';

/** Builds the (frozen) document from validated options. */
export function buildMetadata(metadata: ResolvedResourceMetadata, options: ResolvedOptions): ProtectedResourceMetadata {
  const document: ProtectedResourceMetadata = {
    resource: metadata.resource,
    authorization_servers: metadata.authorizationServers,
    bearer_methods_supported: Object.freeze(['header'] as const),
    ...(metadata.scopesSupported === undefined ? {} : { scopes_supported: metadata.scopesSupported }),
    ...(options.publicUrl === undefined ? {} : { dpop_signing_alg_values_supported: options.dpopAlgorithms }),
    ...(metadata.resourceName === undefined ? {} : { resource_name: metadata.resourceName }),
    ...(metadata.resourceDocumentation === undefined ? {} : { resource_documentation: metadata.resourceDocumentation }),
  };
  return Object.freeze(document);
}

/** Path of a request target or absolute URL, without query and fragment. */
function pathOf(url: RequestUrl): string | undefined {
  const value = typeof url === 'string' ? url : url.href;
  if (value.startsWith('/')) return value.split(/[?#]/, 1)[0];
  try {
    return new URL(value).pathname;
  } catch {
    return undefined;
  }
}

/**
 * Returns a function answering requests for the document: `undefined` for any other path (the
 * adapter passes the request on), else 200 (GET, HEAD), 204 (OPTIONS, a CORS preflight) or 405.
 * Public and cacheable; CORS-readable from any origin (browser-based MCP clients fetch it).
 */
export function createMetadataResponder(
  metadata: ResolvedResourceMetadata | undefined,
  document: ProtectedResourceMetadata | undefined,
): (method: string, url: RequestUrl) => HttpAnswer | undefined {
  if (metadata === undefined || document === undefined) return () => undefined;
  const paths = new Set(metadata.paths);
  const body = JSON.stringify(document);
  const cors = { 'access-control-allow-origin': '*' };
  const ok: HttpAnswer = Object.freeze({
    status: 200,
    headers: Object.freeze({
      ...cors,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': `public, max-age=${metadata.cacheMaxAgeSeconds}`,
    }),
    body,
  });
  const preflight: HttpAnswer = Object.freeze({
    status: 204,
    headers: Object.freeze({
      ...cors,
      'access-control-allow-methods': ALLOW,
      'access-control-allow-headers': '*',
      'access-control-max-age': '86400',
    }),
    body: '',
  });
  const notAllowed: HttpAnswer = Object.freeze({
    status: 405,
    headers: Object.freeze({ ...cors, allow: ALLOW, 'content-type': 'application/json; charset=utf-8' }),
    body: JSON.stringify({ error: 'method_not_allowed', error_description: `use ${ALLOW}` }),
  });
  return (method, url) => {
    const path = pathOf(url);
    if (path === undefined || !paths.has(path)) return undefined;
    switch (method.toUpperCase()) {
      case 'GET':
      case 'HEAD':
        return ok;
      case 'OPTIONS':
        return preflight;
      default:
        return notAllowed;
    }
  };
}
