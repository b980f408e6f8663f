import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { prefixedCookieName } from '../http/cookie-prefix.ts';
import { VERIFICATION_TTL_SECONDS } from './self-service.ts';

const cookieName = (secure: boolean) => prefixedCookieName('portcullis.signup', { secure, path: '/' });

/** Which sign-in this browser started, and for which account it proved the password. */
export interface SignupBinding {
  readonly uid: string;
  readonly accountId: string;
}

/**
 * Remembers in this browser that it may resume sign-in `uid` as `accountId` once that account's
 * address is confirmed: set only where the browser proved the password (a new sign-up, or a correct
 * password for an unconfirmed account). `accountId` undefined writes a decoy of the same shape,
 * so the answer to a sign-up with a taken address looks like any other.
 */
export function bindSignupToBrowser(ctx: Context, uid: string, accountId: string | undefined, secure: boolean): void {
  ctx.cookies.set(cookieName(secure), `${uid}.${accountId ?? randomUUID()}`, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: VERIFICATION_TTL_SECONDS * 1000, overwrite: true });
}

export function signupBindingOf(ctx: Context, secure: boolean): SignupBinding | undefined {
  const value = ctx.cookies.get(cookieName(secure), { signed: true });
  const dot = value?.lastIndexOf('.') ?? -1;
  if (!value || dot <= 0) return undefined;
  return { uid: value.slice(0, dot), accountId: value.slice(dot + 1) };
}

export function clearSignupBinding(ctx: Context, secure: boolean): void {
  ctx.cookies.set(cookieName(secure), null, { secure, path: '/', overwrite: true });
}

/** Whether this browser may resume the sign-in a token names, as the token's account. */
export const boundTo = (binding: SignupBinding | undefined, token: { interactionUid: string | null; accountId: string }): boolean =>
  binding !== undefined && token.interactionUid !== null && binding.uid === token.interactionUid && binding.accountId === token.accountId;
