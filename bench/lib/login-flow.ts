import { createHash, randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import { CookieJar, basicAuth, form, send, type HttpResponse } from './http.ts';

/** What a browser-less login needs to know about the server, the client and the user. */
export interface LoginTarget {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly email: string;
  readonly password: string;
  /** Space-separated; `offline_access` makes the code exchange return a refresh token. */
  readonly scope: string;
}

export interface LoginTokens {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly idToken: string | undefined;
  /** HTTP requests the login took, token request included. */
  readonly requests: number;
}

export class LoginFlowError extends Error {
  override readonly name = 'LoginFlowError';
}

const MAX_STEPS = 12;

/**
 * One complete authorization code + PKCE (S256) login, as a browser with an empty cookie jar does
 * it: GET /auth, follow to the login page, post email + password (argon2id on the server), follow
 * to the consent page, post it, follow back to the redirect_uri, then exchange the code at /token
 * with client_secret_basic. Every response is checked; anything unexpected throws LoginFlowError.
 */
export async function login(agent: Agent, target: LoginTarget, trace?: (step: string, ms: number) => void): Promise<LoginTokens> {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL('/auth', target.issuer);
  authorize.search = form({
    client_id: target.clientId,
    response_type: 'code',
    redirect_uri: target.redirectUri,
    scope: target.scope,
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    // oidc-provider only grants offline_access together with prompt=consent.
    ...(target.scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
  });

  let requests = 0;
  // The same step can occur twice (the login page, then the consent page): number the repeats.
  const seen = new Map<string, number>();
  const traceStep = (name: string, ms: number) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    trace?.(count === 1 ? name : `${name} #${count}`, ms);
  };
  const exchange = async (url: URL, method: 'GET' | 'POST', body?: string): Promise<HttpResponse> => {
    requests += 1;
    const cookie = jar.header(url.pathname);
    const begin = performance.now();
    const response = await send(agent, url, {
      method,
      headers: {
        accept: 'text/html',
        ...(cookie ? { cookie } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body,
    });
    traceStep(stepName(method, url.pathname, response.status), performance.now() - begin);
    jar.store(response.headers);
    return response;
  };

  let url = authorize;
  let response = await exchange(url, 'GET');
  let code: string | undefined;
  const submitted = new Set<string>();
  for (let step = 0; step < MAX_STEPS && code === undefined; step += 1) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.location;
      if (!location) throw new LoginFlowError(`${response.status} from ${url.pathname} without a Location`);
      url = new URL(location, url);
      if (url.href.startsWith(target.redirectUri)) {
        const error = url.searchParams.get('error');
        if (error) throw new LoginFlowError(`authorization error: ${error} ${url.searchParams.get('error_description') ?? ''}`);
        if (url.searchParams.get('state') !== state) throw new LoginFlowError('state mismatch in the callback');
        code = url.searchParams.get('code') ?? undefined;
        if (!code) throw new LoginFlowError('callback without a code');
        break;
      }
      response = await exchange(url, 'GET');
      continue;
    }
    if (response.status !== 200) throw new LoginFlowError(`unexpected ${response.status} from ${url.pathname}: ${snippet(response.body)}`);
    const page = response.body;
    const loginForm = findForm(page, '/login');
    const consentForm = findForm(page, '/confirm');
    if (loginForm && !submitted.has(loginForm.action)) {
      submitted.add(loginForm.action);
      url = new URL(loginForm.action, url);
      response = await exchange(url, 'POST', form({ csrf: loginForm.csrf, email: target.email, password: target.password }));
    } else if (consentForm && !submitted.has(consentForm.action)) {
      submitted.add(consentForm.action);
      url = new URL(consentForm.action, url);
      response = await exchange(url, 'POST', form({ csrf: consentForm.csrf }));
    } else {
      throw new LoginFlowError(`no login or consent form to submit at ${url.pathname}: ${snippet(page)}`);
    }
  }
  if (code === undefined) throw new LoginFlowError(`no callback after ${MAX_STEPS} steps (last ${response.status} ${url.pathname})`);

  requests += 1;
  const tokenBegin = performance.now();
  const token = await send(agent, new URL('/token', target.issuer), {
    method: 'POST',
    headers: {
      authorization: basicAuth(target.clientId, target.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: form({ grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier }),
  });
  traceStep(stepName('POST', '/token', token.status), performance.now() - tokenBegin);
  if (token.status !== 200) throw new LoginFlowError(`code exchange answered ${token.status}: ${snippet(token.body)}`);
  const tokens = JSON.parse(token.body) as { access_token?: string; refresh_token?: string; id_token?: string };
  if (!tokens.access_token) throw new LoginFlowError('code exchange without an access_token');
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, idToken: tokens.id_token, requests };
}

/** "GET /interaction/:uid -> 200": the path with interaction ids replaced, and the answer. */
function stepName(method: string, pathname: string, status: number): string {
  const path = pathname.replace(/^\/(interaction|auth)\/[^/]+/, '/$1/:uid');
  return `${method} ${path} -> ${status}`;
}

interface FoundForm {
  readonly action: string;
  readonly csrf: string;
}

/** The first POST form whose action ends with `suffix`, with its hidden csrf field. */
function findForm(html: string, suffix: string): FoundForm | undefined {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, attributes = '', inner = ''] = match;
    const action = /\baction="([^"]*)"/i.exec(attributes)?.[1];
    if (!action || !decodeEntities(action).endsWith(suffix)) continue;
    const csrf =
      /<input\b[^>]*\bname="csrf"[^>]*\bvalue="([^"]*)"/i.exec(inner)?.[1] ??
      /<input\b[^>]*\bvalue="([^"]*)"[^>]*\bname="csrf"/i.exec(inner)?.[1];
    if (csrf === undefined) continue;
    return { action: decodeEntities(action), csrf: decodeEntities(csrf) };
  }
  return undefined;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const snippet = (text: string): string => text.replace(/\s+/g, ' ').slice(0, 200);
