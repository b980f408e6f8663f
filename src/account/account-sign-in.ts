import { appPath } from '../http/issuer-path.ts';
import { createHash, randomBytes } from 'node:crypto';
import { sameSecret } from '../crypto/same-secret.ts';
import type { Context } from 'koa';
import { prefixedCookieName } from '../http/cookie-prefix.ts';
import type { ProviderHandle } from '../keys/provider-handle.ts';
import { ACCOUNT_CLIENT_ID, accountCallbackUrl } from './account-client.ts';
import type { AccountSessions } from './account-sessions.ts';

const ACCOUNT_COOKIE = 'portcullis.account';
const FLOW_COOKIE = 'portcullis.account-flow';
const FLOW_SECONDS = 15 * 60;

interface SignInFlow {
  readonly state: string;
  readonly verifier: string;
  readonly returnTo: string;
}

/** Only a path of the account page itself: never another origin or an open redirect. */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/account(\/[A-Za-z0-9/_-]*)?$/.test(value) && !value.includes('//') ? value : '/account';
}

/** Constant-time comparison of two secrets (state, challenge, CSRF token). */

export interface AccountSignInOptions {
  readonly issuer: string;
  readonly provider: Pick<ProviderHandle, 'current'>;
  readonly sessions: AccountSessions;
  readonly secureCookies: boolean;
}

/**
 * The account page as a first-party client: code flow with PKCE and state through the provider's
 * own authorization endpoint (so every sign-in rule applies, second factors included), and the
 * code consumed in-process, where a token request over the network would add nothing.
 */
export function accountSignIn(options: AccountSignInOptions) {
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: options.secureCookies, path: '/account', overwrite: true };
  const accountCookie = prefixedCookieName(ACCOUNT_COOKIE, cookie);
  const flowCookie = prefixedCookieName(FLOW_COOKIE, cookie);
  const cookieFor = (ctx: Context, maxAge: number) => ({ ...cookie, path: appPath(ctx, cookie.path), maxAge });

  /** Sends the browser to sign in; `reauthenticate` asks for the password again whatever the session. */
  function start(ctx: Context, returnTo: string, { reauthenticate = false } = {}): void {
    const flow: SignInFlow = { state: randomBytes(24).toString('base64url'), verifier: randomBytes(32).toString('base64url'), returnTo: safeReturnPath(returnTo) };
    ctx.cookies.set(flowCookie, Buffer.from(JSON.stringify(flow)).toString('base64url'), cookieFor(ctx, FLOW_SECONDS * 1000));
    const url = new URL(`${options.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: accountCallbackUrl(options.issuer),
      state: flow.state,
      code_challenge: createHash('sha256').update(flow.verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(reauthenticate ? { prompt: 'login', max_age: '0' } : {}),
    }).toString();
    ctx.set('cache-control', 'no-store');
    ctx.status = 303;
    ctx.redirect(url.toString());
  }

  function flowOf(ctx: Context): SignInFlow | undefined {
    const raw = ctx.cookies.get(flowCookie, { signed: true });
    if (!raw) return undefined;
    try {
      const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<SignInFlow>;
      return typeof parsed.state === 'string' && typeof parsed.verifier === 'string' ? { state: parsed.state, verifier: parsed.verifier, returnTo: safeReturnPath(parsed.returnTo) } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The callback: state matched against this browser's flow, the code found, bound to this client,
   * redirect URI and PKCE verifier, and consumed once. Returns where to go, or why it failed.
   */
  async function finish(ctx: Context): Promise<{ returnTo: string } | { error: string }> {
    const flow = flowOf(ctx);
    ctx.cookies.set(flowCookie, '', cookieFor(ctx, 0));
    const { code, state, error, iss } = ctx.query;
    if (!flow || typeof state !== 'string' || !sameSecret(state, flow.state)) return { error: 'state' };
    if (iss !== undefined && iss !== options.issuer) return { error: 'issuer' };
    if (typeof error === 'string') return { error };
    if (typeof code !== 'string' || code.length > 200) return { error: 'code' };
    const found = await options.provider.current.AuthorizationCode.find(code);
    const challenge = createHash('sha256').update(flow.verifier).digest('base64url');
    if (!found || (found as { consumed?: unknown }).consumed || found.clientId !== ACCOUNT_CLIENT_ID || found.redirectUri !== accountCallbackUrl(options.issuer) || !found.codeChallenge || !sameSecret(found.codeChallenge, challenge) || !found.accountId || typeof found.authTime !== 'number') {
      return { error: 'code' };
    }
    await found.consume();
    const id = await options.sessions.open({
      accountId: found.accountId,
      authTime: found.authTime,
      amr: found.amr ?? [],
      sessionUid: found.sessionUid,
    });
    ctx.cookies.set(accountCookie, id, cookieFor(ctx, options.sessions.ttlSeconds * 1000));
    return { returnTo: flow.returnTo };
  }

  const sessionIdOf = (ctx: Context): string | undefined => ctx.cookies.get(accountCookie, { signed: true }) || undefined;

  async function signOut(ctx: Context): Promise<void> {
    const id = sessionIdOf(ctx);
    if (id) await options.sessions.close(id);
    ctx.cookies.set(accountCookie, '', cookieFor(ctx, 0));
  }

  return { start, finish, sessionIdOf, signOut };
}

export type AccountSignIn = ReturnType<typeof accountSignIn>;
