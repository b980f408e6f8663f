import { lookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { isSpecialUseAddress } from '../http/special-use-address.ts';

/** The whole fetch, from connecting to the last byte (oidc-provider's own bound for its fetches). */
export const FETCH_TIMEOUT_MS = 2500;
/** draft-ietf-oauth-client-id-metadata-document §6.6 suggests 5 kilobytes. */
export const MAX_DOCUMENT_BYTES = 5 * 1024;
/** How long an accepted document is kept, whatever its HTTP caching says (the issue's [30 s, 24 h]); 5 minutes when it says nothing. */
export const CACHE_SECONDS = { min: 30, max: 86_400, unsaid: 300 } as const;

export type Fetched = { readonly ok: true; readonly value: unknown; readonly ttlSeconds: number } | { readonly ok: false; readonly reason: string };

const TLS_FAILURES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|ISSUER/;
const SPECIAL_USE = 'ERR_SPECIAL_USE_ADDRESS';
const TIMED_OUT = 'ERR_DOCUMENT_TIMEOUT';

const specialUse = () => Object.assign(new Error('the host is on a special-use address'), { code: SPECIAL_USE });

/**
 * Why a request failed, in words a client's developer can act on. Network failures (refused,
 * reset, timed out) all read the same, so that the answer tells nothing about what listens where.
 */
function failureReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === SPECIAL_USE) return 'the host is on a private or special-use address';
  if (typeof code === 'string' && TLS_FAILURES.test(code)) return "the host's certificate is not trusted";
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  return `the document could not be fetched within ${FETCH_TIMEOUT_MS / 1000} seconds`;
}

/** DNS lookup that refuses a host with any special-use address (loopback, private, link-local, ...), so that nothing is even connected. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    if (addresses.length === 0 || addresses.some(({ address }) => isSpecialUseAddress(address))) return callback(specialUse(), '', 0);
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/** Seconds to keep a document: `s-maxage`, `max-age` or `Expires` (we are a shared cache, RFC 9111), within CACHE_SECONDS. */
export function cacheSecondsOf(headers: Headers, now = Date.now()): number {
  const control = headers.get('cache-control') ?? '';
  const directive = (name: string) => new RegExp(`(?:^|,)\\s*${name}\\s*=\\s*"?(\\d+)`, 'i').exec(control)?.[1];
  const given = directive('s-maxage') ?? directive('max-age');
  let seconds: number | undefined = given === undefined ? undefined : Number(given);
  if (seconds === undefined && /(?:^|,)\s*no-(?:store|cache)\b/i.test(control)) seconds = 0;
  const expires = headers.get('expires');
  if (seconds === undefined && expires) seconds = Number.isNaN(Date.parse(expires)) ? 0 : Math.floor((Date.parse(expires) - now) / 1000);
  return Math.max(CACHE_SECONDS.min, Math.min(CACHE_SECONDS.max, seconds ?? CACHE_SECONDS.unsaid));
}

export interface FetchRoute {
  /** The host is in CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: it may be on a private or loopback address. */
  readonly listed: boolean;
  /** The CAs to trust; undefined: the default ones. */
  readonly ca: readonly string[] | undefined;
}

/** One GET over https (node:https, so that redirects are never followed), its body at most MAX_DOCUMENT_BYTES. */
function get(url: URL, route: FetchRoute): Promise<{ status: number; headers: Headers; body: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    // A client_id names a host: an address literal (which would skip the lookup below) only when listed.
    if (!route.listed && isIP(url.hostname.replace(/^\[(.*)\]$/, '$1'))) return reject(specialUse());
    let timedOut = false;
    const fail = (error: Error) => reject(timedOut ? Object.assign(new Error('timed out'), { code: TIMED_OUT }) : error);
    const req = request(url, { method: 'GET', headers: { accept: 'application/json', 'user-agent': 'Portcullis' }, agent: false, ...(route.listed ? {} : { lookup: guardedLookup }), ...(route.ca ? { ca: [...route.ca] } : {}) }, (res) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) for (const one of [value ?? []].flat()) headers.append(name, one);
      const status = res.statusCode ?? 0;
      const declared = Number(res.headers['content-length']);
      // Settled first, then the connection dropped: what the drop reports comes too late to count.
      const refuse = () => {
        resolve({ status, headers, body: undefined });
        res.destroy();
      };
      if (status !== 200 || declared > MAX_DOCUMENT_BYTES) return refuse();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > MAX_DOCUMENT_BYTES) refuse();
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status, headers, body: Buffer.concat(chunks) }));
      res.on('error', fail);
      res.on('close', () => fail(Object.assign(new Error('closed before the end'), { code: 'ECONNRESET' })));
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, FETCH_TIMEOUT_MS);
    req.on('close', () => clearTimeout(timer));
    // Checked again once connected, whatever resolved the name.
    if (!route.listed) {
      req.once('socket', (socket: Socket) =>
        socket.once('connect', () => {
          if (isSpecialUseAddress(socket.remoteAddress ?? '')) req.destroy(specialUse());
        }),
      );
    }
    req.on('error', fail);
    req.end();
  });
}

/**
 * GETs a client ID metadata document: https only (oidc-provider accepts no other client_id URL),
 * no redirect followed, FETCH_TIMEOUT_MS for all of it, at most MAX_DOCUMENT_BYTES, refusing
 * special-use addresses unless the host is listed. Never throws.
 */
export async function fetchDocument(clientId: string, route: FetchRoute): Promise<Fetched> {
  const url = URL.parse(clientId);
  if (url?.protocol !== 'https:') return { ok: false, reason: 'only https documents are fetched' };
  try {
    const { status, headers, body } = await get(url, route);
    if (status >= 300 && status < 400) return { ok: false, reason: `the server answered ${status} with a redirect, which is not followed` };
    if (status !== 200) return { ok: false, reason: `the server answered ${status} instead of 200` };
    if (!body) return { ok: false, reason: `the document is larger than ${MAX_DOCUMENT_BYTES} bytes` };
    try {
      return { ok: true, value: JSON.parse(body.toString('utf8')), ttlSeconds: cacheSecondsOf(headers) };
    } catch {
      return { ok: false, reason: 'the document is not valid JSON' };
    }
  } catch (error) {
    return { ok: false, reason: failureReason(error) };
  }
}
