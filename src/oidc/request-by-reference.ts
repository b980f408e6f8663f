import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { rewriteRequestTarget } from '../http/request-target.ts';
import { fetchRequestObject, type RequestObjectFetchOptions } from './request-object-fetch.ts';
import { isRegisteredRequestUri, REQUEST_URIS } from './request-uris.ts';

const PUSHED_REQUEST_URN = 'urn:ietf:params:oauth:request_uri:';
/** Never a pushed request's id (oidc-provider's are nanoids): stands for a request_uri that could not be used. */
const UNRESOLVED_ID = 'unresolved-request-uri';

/** The path as oidc-provider's router matches it: any case, one trailing slash allowed. */
const routedPath = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();

type PushedRequests = { find(id: string, options?: object): Promise<unknown> };

/**
 * `request_uri` by reference (OIDC Core 6.2, RFC 9101 section 5.2), which oidc-provider 9 takes
 * only as a pushed request's URN. An https `request_uri` that the client (`client_id`) registered
 * in `request_uris`, fragments aside, is fetched (request-object-fetch.ts) and handed on as
 * `request`, so every check oidc-provider makes of a request object by value applies (signature,
 * `request_object_signing_alg`, no unsigned objects). A request_uri that cannot be used becomes a
 * pushed-request URN that names nothing, so that oidc-provider's own step for pushed requests
 * refuses it with `invalid_request_uri` and the reason: at the redirect URI when the client and
 * redirect_uri are valid, on its error page otherwise. The gateway turns a POST to /auth into a
 * GET (posted-authorization.ts), so only GETs arrive here. Discovery says so
 * (`request_uri_parameter_supported`, `require_request_uri_registration`).
 */
export function useRequestUriByReference(provider: Provider, options: RequestObjectFetchOptions): void {
  const unresolved = new WeakMap<IncomingMessage, string>();
  const currentRequest = () => (provider.constructor as { ctx?: Context }).ctx?.req;

  const pushed = provider.PushedAuthorizationRequest as unknown as PushedRequests;
  const find = pushed.find.bind(pushed);
  pushed.find = async (id, findOptions) => {
    if (id !== UNRESOLVED_ID) return find(id, findOptions);
    const request = currentRequest();
    throw new errors.InvalidRequestUri((request && unresolved.get(request)) ?? 'request_uri could not be used');
  };

  async function resolveReference(ctx: Context): Promise<void> {
    const query = new URLSearchParams(ctx.querystring);
    const [requestUri, ...more] = query.getAll('request_uri');
    const clientIds = query.getAll('client_id');
    // Pushed requests, duplicates, `request` with `request_uri` and a missing client: oidc-provider answers those itself.
    if (requestUri === undefined || more.length > 0 || requestUri.startsWith(PUSHED_REQUEST_URN) || query.has('request') || clientIds.length !== 1) return;
    const client = await provider.Client.find(clientIds[0]!).catch(() => undefined);
    if (!client) return;
    // An outbound request anyone may trigger, so only a URI the client registered is ever fetched;
    // the gateway's per-address limit on /auth bounds how often, and the fetch is bounded in time
    // and size. Open registration lets anyone register URIs: the SSRF guard keeps them off private addresses.
    const fetched = isRegisteredRequestUri(client.metadata(), requestUri)
      ? await fetchRequestObject(provider, requestUri, options)
      : { ok: false as const, reason: `request_uri is not registered for this client (${REQUEST_URIS})` };
    if (fetched.ok) {
      query.delete('request_uri');
      query.set('request', fetched.jwt);
    } else {
      unresolved.set(ctx.req, fetched.reason);
      query.set('request_uri', `${PUSHED_REQUEST_URN}${UNRESOLVED_ID}`);
    }
    rewriteRequestTarget(ctx, `${ctx.path}?${query.toString()}`);
  }

  provider.use(async (ctx: Context, next: Next) => {
    if (ctx.method === 'GET' && routedPath(ctx.path) === '/auth') await resolveReference(ctx);
    await next();
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    const body = ctx.body as Record<string, unknown> | undefined;
    // oidc-provider says false, and its `discovery` option only adds what it leaves out.
    if (route === 'discovery' && ctx.status === 200 && body && typeof body === 'object') {
      body.request_uri_parameter_supported = true;
      body.require_request_uri_registration = true;
    }
  });
}
