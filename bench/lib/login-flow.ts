import { createHash, randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import { BENCH_EMAIL, BENCH_PASSWORD, BENCH_REDIRECT_URI, BENCH_USER_SCOPE } from './fixtures.ts';
import { CookieJar, basicAuth, form, send, type HttpResponse } from './http.ts';

/** The server and the confidential client a login goes through; the user is the fixtures' one. */
export interface LoginTarget {
  readonly issuer: string;
  readonly client: { readonly id: string; readonly secret: string };
}

const MAX_STEPS = 12;

/**
 * One complete authorization code + PKCE (S256) login, as a browser with an empty cookie jar does
 * it: GET /auth, follow to the login page, post email + password (argon2id on the server), follow
 * to the consent page, post it, follow back to the redirect_uri, then exchange the code at /token
 * with client_secret_basic. Every response is checked; anything unexpected throws. The scope asks
 * for offline_access, so the tokens include a refresh token.
 */
export async function login(
  agent: Agent,
  target: LoginTarget,
  trace?: (step: string, ms: number) => void,
): Promise<{ accessToken: string; refreshToken: string | undefined }> {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL('/auth', target.issuer);
  authorize.search = form({
    client_id: target.client.id,
    response_type: 'code',
    redirect_uri: BENCH_REDIRECT_URI,
    scope: BENCH_USER_SCOPE,
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    // oidc-provider only grants offline_access together with prompt=consent.
    prompt: 'consent',
  });

  // The same step can occur twice (the login page, then the consent page): number the repeats.
  const seen = new Map<string, number>();
  const traceStep = (name: string, ms: number) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    trace?.(count === 1 ? name : `${name} #${count}`, ms);
  };
  const exchange = async (url: URL, method: 'GET' | 'POST', body?: string): Promise<HttpResponse> => {
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
      if (!location) throw new Error(`${response.status} from ${url.pathname} without a Location`);
      url = new URL(location, url);
      if (url.href.startsWith(BENCH_REDIRECT_URI)) {
        const error = url.searchParams.get('error');
        if (error) throw new Error(`authorization error: ${error} ${url.searchParams.get('error_description') ?? ''}`);
        if (url.searchParams.get('state') !== state) throw new Error('state mismatch in the callback');
        code = url.searchParams.get('code') ?? undefined;
        if (!code) throw new Error('callback without a code');
        break;
      }
      response = await exchange(url, 'GET');
      continue;
    }
    if (response.status !== 200) throw new Error(`unexpected ${response.status} from ${url.pathname}: ${snippet(response.body)}`);
    const page = response.body;
    const loginForm = findForm(page, '/login');
    const consentForm = findForm(page, '/confirm');
    if (loginForm && !submitted.has(loginForm.action)) {
      submitted.add(loginForm.action);
      url = new URL(loginForm.action, url);
      response = await exchange(url, 'POST', form({ csrf: loginForm.csrf, email: BENCH_EMAIL, password: BENCH_PASSWORD }));
    } else if (consentForm && !submitted.has(consentForm.action)) {
      submitted.add(consentForm.action);
      url = new URL(consentForm.action, url);
      response = await exchange(url, 'POST', form({ csrf: consentForm.csrf }));
    } else {
      throw new Error(`no login or consent form to submit at ${url.pathname}: ${snippet(page)}`);
    }
  }
  if (code === undefined) throw new Error(`no callback after ${MAX_STEPS} steps (last ${response.status} ${url.pathname})`);

  const tokenBegin = performance.now();
  const token = await send(agent, new URL('/token', target.issuer), {
    method: 'POST',
    headers: {
      authorization: basicAuth(target.client.id, target.client.secret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: form({ grant_type: 'authorization_code', code, redirect_uri: BENCH_REDIRECT_URI, code_verifier: verifier }),
  });
  traceStep(stepName('POST', '/token', token.status), performance.now() - tokenBegin);
  if (token.status !== 200) throw new Error(`code exchange answered ${token.status}: ${snippet(token.body)}`);
  const tokens = JSON.parse(token.body) as { access_token?: string; refresh_token?: string };
  if (!tokens.access_token) throw new Error('code exchange without an access_token');
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
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

/** The first form whose action ends with `suffix`, with its hidden csrf field. */
function findForm(html: string, suffix: string): FoundForm | undefined {
  for (const [, attributes = '', inner = ''] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const action = /\baction="([^"]*)"/i.exec(attributes)?.[1];
    const csrf = /<input\b[^>]*\bname="csrf"[^>]*\bvalue="([^"]*)"/i.exec(inner)?.[1];
    if (action?.endsWith(suffix) && csrf !== undefined) return { action, csrf };
  }
  return undefined;
}

const snippet = (text: string): string => text.replace(/\s+/g, ' ').slice(0, 200);
