import { isIP } from 'node:net';
import type Provider from 'oidc-provider';
import fetchRequest from 'oidc-provider/lib/helpers/fetch_request.js';
import { isSpecialUseAddress } from '../http/special-use-address.ts';

/** RFC 9101 sets no bound; a request object is a few kilobytes, and a by-value one must fit a URL. */
export const MAX_REQUEST_OBJECT_BYTES = 64 * 1024;
/** oidc-provider's bound on each of its own fetches, from connecting to the last byte of the body. */
export const REQUEST_OBJECT_TIMEOUT_MS = 2500;

const MEDIA_TYPES = new Set(['application/oauth-authz-req+jwt', 'application/jwt', 'text/plain']);
/** A compact JWS (an unsigned one has an empty signature) or JWE, and nothing else. */
const COMPACT_JWT = /^(?:[\w-]+\.[\w-]+\.[\w-]*|[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+)$/;
const TLS_FAILURES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|ISSUER/;

export type FetchedRequestObject = { readonly ok: true; readonly jwt: string } | { readonly ok: false; readonly reason: string };

export interface RequestObjectFetchOptions {
  /** OUTBOUND_ALLOW_HOSTS: `host` or `host:port` that may be on private addresses. */
  readonly allowHosts: readonly string[];
}

/** Why a fetch failed, in words a client's developer can act on (never the whole error). */
function failureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : '';
  if (message.includes('special-use')) return 'the host is on a private or special-use address';
  if (message === 'unexpected redirect') return 'the server answered with a redirect, which is not followed';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code && TLS_FAILURES.test(code)) return "the host's certificate is not trusted";
  // Refused, reset and timed out read the same: the answer tells nothing about what listens where.
  return `the request object could not be fetched within ${REQUEST_OBJECT_TIMEOUT_MS / 1000} seconds`;
}

/** The body as text, or undefined past MAX_REQUEST_OBJECT_BYTES (read no further). */
async function boundedText(response: Response): Promise<string | undefined> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  if (Number(response.headers.get('content-length')) > MAX_REQUEST_OBJECT_BYTES) {
    await reader.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > MAX_REQUEST_OBJECT_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GETs the request object a `request_uri` names (OIDC Core 6.2) through oidc-provider's own fetch:
 * its SSRF guard (a connection to a loopback, private or other special-use address is dropped
 * unless OUTBOUND_ALLOW_HOSTS lists the host) and its time bound, then outbound-fetch.ts. No
 * redirect is followed, at most MAX_REQUEST_OBJECT_BYTES are read. Only a compact JWT is
 * returned; what it says is for oidc-provider to check. Never throws.
 */
export async function fetchRequestObject(provider: Provider, requestUri: string, options: RequestObjectFetchOptions): Promise<FetchedRequestObject> {
  const url = URL.parse(requestUri);
  if (url?.protocol !== 'https:') return { ok: false, reason: 'only https request_uri values are fetched' };
  url.hash = '';
  const listed = options.allowHosts.some((host) => host.toLowerCase() === url.host || host.toLowerCase() === url.hostname);
  // An address given literally is refused before connecting. Names are checked where they are
  // connected to (resolving them here as well would not stop DNS rebinding).
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!listed && isIP(literal) && isSpecialUseAddress(literal)) return { ok: false, reason: 'the host is on a private or special-use address' };
  let body: string | undefined;
  try {
    // `redirect: 'error'`, not 'manual': outbound-fetch.ts takes a manual-redirect GET for a client ID metadata document.
    const response = await fetchRequest(provider, url, { method: 'GET', redirect: 'error', headers: { accept: [...MEDIA_TYPES].join(', ') } });
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const refusal =
      response.status !== 200
        ? `the server answered ${response.status} instead of 200`
        : !MEDIA_TYPES.has(type)
          ? `the request object was served as ${type || 'no content type'}, not application/oauth-authz-req+jwt`
          : undefined;
    if (refusal) {
      await response.body?.cancel();
      return { ok: false, reason: refusal };
    }
    body = await boundedText(response);
  } catch (error) {
    return { ok: false, reason: failureReason(error) };
  }
  if (body === undefined) return { ok: false, reason: `the request object is larger than ${MAX_REQUEST_OBJECT_BYTES / 1024} KiB` };
  const jwt = body.trim();
  if (!COMPACT_JWT.test(jwt)) return { ok: false, reason: 'the request_uri does not serve a JWT' };
  return { ok: true, jwt };
}
