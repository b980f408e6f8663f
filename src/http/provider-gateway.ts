import { rewriteRequestTarget } from './request-target.ts';
import type { Context, Middleware } from 'koa';
import { narrowScope } from '../clients/client-record.ts';
import { userFlowScopes } from '../clients/user-flow-scopes.ts';
import { isOidcScope, scopeList } from '../oidc/scopes.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { Views } from '../pages/views.ts';
import { rememberRequestedScope } from '../oidc/requested-scope.ts';
import { expectedFailure } from '../errors/app-error.ts';
import { toProtocolError } from './error-handler.ts';
import { unsafeJson } from './json-safety.ts';
import { matchingSecret } from '../clients/client-record.ts';
import { isPlainAscii, oversizedParameter, parseParameters, type Parameters, type SizeLimits } from './protocol-parameters.ts';
import { readAndReplayBody, replayBody } from './request-body.ts';
import type { RequestThrottle } from '../limits/request-throttle.ts';
import { answerPostedAsGet } from './posted-authorization.ts';
import { answerRefusal, type Refusal } from './refusal.ts';
import type { ProviderHandle } from '../keys/provider-handle.ts';

export interface GatewayDependencies {
  readonly provider: Pick<ProviderHandle, 'middleware'>;
  readonly clients: Pick<ClientRegistry, 'find'>;
  readonly resources: Pick<ResourceRegistry, 'find'>;
  readonly views: Views;
  readonly limits: SizeLimits;
  /** Per client address, for the endpoints that store what they are sent (`/auth`, `/request`). */
  readonly authorizationThrottle: RequestThrottle;
  /** Per client address, for `open` dynamic registration. */
  readonly registrationThrottle?: RequestThrottle | undefined;
}

// oidc-provider's own limit for a form body.
const MAX_FORM_BODY = 56 * 1024;
const STORING_ENDPOINTS = new Set(['/auth', '/request']);
const BROWSER_ENDPOINTS = /^\/(auth|session\/end|device(?!\/auth(\/|$)))(\/|$)/i;

/**
 * The path as oidc-provider's router matches it: ASCII letters in any case, and one trailing
 * slash, name the same route ("/AUTH/" is "/auth"), so every check here must see it that way.
 */
const routedPath = (path: string): string => {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
};

/** Answers a refused request the way its endpoint speaks: a page for browsers, OAuth JSON otherwise. */
const refuse = (ctx: Context, views: Views, refusal: Refusal): Promise<void> =>
  answerRefusal(ctx, views, { advice: 'Go back to the application and try again.', ...refusal }, { asPage: BROWSER_ENDPOINTS.test(ctx.path) && (ctx.method === 'GET' || /^\/device(\/|$)/i.test(ctx.path)) });

const single = (parameters: Parameters, name: string): string | undefined => {
  const values = parameters.filter(([key]) => key === name);
  return values.length === 1 ? values[0]![1] : undefined;
};

/** The client a pushed request names: `client_id`, or the user name of its Basic credentials. */
function namedClientId(ctx: Context, parameters: Parameters): string | undefined {
  const named = single(parameters, 'client_id');
  if (named !== undefined) return named;
  const basic = /^basic\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
  if (!basic) return undefined;
  const user = Buffer.from(basic, 'base64').toString('utf8').split(':')[0] ?? '';
  try {
    return decodeURIComponent(user.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * A user flow may grant fewer scopes than asked (RFC 6749 section 3.3), never one outside the
 * client's `scope` (ADR 7): the request is narrowed before the provider stores it, so consent,
 * `prompt=none` and every token after see only what the client may have. Returns the narrowed
 * parameters, or undefined when nothing changes. (Interactions narrow again, for requests that
 * reach the provider another way.)
 */
async function narrowedScope(deps: GatewayDependencies, clientId: string | undefined, parameters: Parameters): Promise<Parameters | undefined> {
  const scope = single(parameters, 'scope');
  if (clientId === undefined || scope === undefined) return undefined;
  const registration = await deps.clients.find(clientId);
  const indicators = parameters.filter(([name]) => name === 'resource').map(([, value]) => value);
  const narrowed = registration ? narrowScope(scope, await userFlowScopes(registration.metadata, indicators, deps.resources)) : undefined;
  if (!narrowed) return undefined;
  return parameters.flatMap(([name, value]) => (name !== 'scope' ? [[name, value] as const] : narrowed.scope ? [[name, narrowed.scope] as const] : []));
}

const encode = (parameters: Parameters): string => new URLSearchParams(parameters.map(([name, value]): [string, string] => [name, value])).toString();

const REGISTRATION_PATH = /^\/reg(\/[^/]+)?$/;
const MAX_REGISTRATION_BODY = 64 * 1024;

/**
 * A registration body that would break storage (NUL, lone surrogates, absurd nesting) is refused
 * here. An RFC 7592 update may repeat the client's secret (section 2.2): oidc-provider compares it
 * with what it knows, the stored hash, so a matching secret is handed on as that hash.
 */
async function checkRegistrationBody(ctx: Context, clients: GatewayDependencies['clients']): Promise<{ status: number; description: string } | undefined> {
  let body: Buffer;
  try {
    body = await readAndReplayBody(ctx.req, MAX_REGISTRATION_BODY);
  } catch (error) {
    const expected = expectedFailure(error);
    if (!expected) throw error;
    return { status: expected.status, description: expected.message };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // oidc-provider answers malformed JSON itself
  }
  const problem = unsafeJson(parsed);
  if (problem) return { status: 400, description: problem };
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const handed: Record<string, unknown> = { ...(parsed as Record<string, unknown>) };
  // Case matters in the client id, unlike in the route.
  const clientId = /^\/reg\/([^/]+)\/?$/i.exec(ctx.path)?.[1];
  const secret = handed.client_secret;
  if (ctx.method === 'PUT' && clientId && typeof secret === 'string') {
    const record = await clients.find(clientId);
    if (record?.secretHash && matchingSecret(record, secret) === 'current') handed.client_secret = record.secretHash;
  }
  // An API's scopes are no client's to claim (ADR 7): a client registering itself keeps the OpenID
  // scopes of its `scope` (RFC 7591 3.2.1 lets the server replace a value), and gets an API's scopes
  // only where the API admits any client, with the user's consent. MCP clients send the API's.
  if (typeof handed.scope === 'string') handed.scope = scopeList(handed.scope).filter(isOidcScope).join(' ') || undefined;
  if (JSON.stringify(handed) !== JSON.stringify(parsed)) replayBody(ctx.req, Buffer.from(JSON.stringify(handed)));
  return undefined;
}

/**
 * What every request to oidc-provider passes first: its parameters are valid UTF-8 without control
 * characters, and the endpoints that store a request for later are bounded in size and rate, so
 * nobody can fill the store; their `scope` is narrowed to the client's. Then the request is handed
 * to the provider.
 */
export function providerGateway(deps: GatewayDependencies): Middleware {
  const handToProvider = deps.provider.middleware();
  return async function gateway(ctx, next) {
    const route = routedPath(ctx.path);
    const storing = STORING_ENDPOINTS.has(route);
    let query: Parameters = [];
    let form: Parameters | undefined;
    let body: Buffer | undefined;
    try {
      body = ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded') ? await readAndReplayBody(ctx.req, MAX_FORM_BODY) : undefined;
      if (storing || !isPlainAscii(ctx.querystring) || (body && !isPlainAscii(body))) {
        query = parseParameters(ctx.querystring);
        form = body ? parseParameters(body) : undefined;
      }
      if (route === '/token' && body) {
        const scope = form ? single(form, 'scope') : new URLSearchParams(body.toString('latin1')).get('scope');
        if (scope) rememberRequestedScope(ctx.req, scope);
      }
    } catch (error) {
      const expected = expectedFailure(error);
      if (!expected) throw error;
      return refuse(ctx, deps.views, { status: expected.status, error: toProtocolError(expected).error, description: expected.message });
    }
    const postedAsGet = answerPostedAsGet(ctx, route, body);
    if (postedAsGet === 'redirected') return;
    if (postedAsGet === 'too-large') {
      const advice = 'Tell the application’s developers to send requests this large as pushed authorization requests.';
      return answerRefusal(ctx, deps.views, { status: 400, error: 'invalid_request', description: 'the request is too large to pass on', advice }, { asPage: true });
    }
    if (REGISTRATION_PATH.test(route) && (ctx.method === 'POST' || ctx.method === 'PUT') && ctx.is('json')) {
      const problem = await checkRegistrationBody(ctx, deps.clients);
      if (problem) return refuse(ctx, deps.views, { status: problem.status, error: problem.status === 413 ? 'invalid_request' : 'invalid_client_metadata', description: problem.description });
    }
    if (route === '/reg' && ctx.method === 'POST' && deps.registrationThrottle) {
      const wait = await deps.registrationThrottle.take(ctx.ip);
      if (wait > 0) return refuse(ctx, deps.views, { status: 429, error: 'temporarily_unavailable', description: 'too many client registrations from this address', retryAfter: wait });
    }
    if (storing) {
      const parameters = [...query, ...(form ?? [])];
      const tooLarge = oversizedParameter(parameters, deps.limits);
      if (tooLarge) return refuse(ctx, deps.views, { status: 400, error: 'invalid_request', description: tooLarge });
      const wait = await deps.authorizationThrottle.take(ctx.ip);
      if (wait > 0) {
        return refuse(ctx, deps.views, { status: 429, error: 'temporarily_unavailable', description: 'too many authorization requests from this address', retryAfter: wait });
      }
      if (ctx.method === 'GET') {
        const narrowed = await narrowedScope(deps, single(query, 'client_id'), query);
        if (narrowed) rewriteRequestTarget(ctx, `${ctx.path}?${encode(narrowed)}`);
      } else if (form) {
        const narrowed = await narrowedScope(deps, namedClientId(ctx, form), form);
        if (narrowed) replayBody(ctx.req, Buffer.from(encode(narrowed)));
      }
    }
    try {
      await handToProvider(ctx, next);
    } catch (error) {
      if (!isUnsavedSessionFailure(error)) throw error;
      // oidc-provider refused the request (a device form with no session of its own, say), then
      // failed to save a session it had never stored: its own refusal stands.
      if (ctx.status >= 400 && ctx.status < 500 && ctx.body !== undefined) return;
      return refuse(ctx, deps.views, { status: 400, error: 'invalid_request', description: 'this form has expired', advice: 'Reload the page and try again.' });
    }
  };
}

/** oidc-provider's TypeError when a request that never had a stored session leaves it changed. */
const isUnsavedSessionFailure = (error: unknown): boolean => error instanceof TypeError && error.message.startsWith('persist can only be called on previously persisted Sessions');
