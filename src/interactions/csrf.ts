import { appPath } from '../http/issuer-path.ts';
import { randomBytes } from 'node:crypto';
import { sameSecret } from '../crypto/same-secret.ts';
import type { Context } from 'koa';
import { prefixedCookieName } from '../http/cookie-prefix.ts';

// Always on a path narrower than /, so `__Secure-` over https.
const cookieName = (secure: boolean) => prefixedCookieName('portcullis.csrf', { secure, path: '/interaction' });

/**
 * Double-submit CSRF token bound to one interaction: a random value in a signed, SameSite=Strict
 * cookie scoped to the interaction's path, repeated in a hidden form field.
 */
export function issueCsrfToken(ctx: Context, uid: string, secure: boolean): string {
  return issueCsrfTokenFor(ctx, `/interaction/${uid}`, secure);
}

/** The same for pages outside an interaction (the password reset pages), scoped to `path`. */
export function issueCsrfTokenFor(ctx: Context, path: string, secure: boolean): string {
  const name = cookieName(secure);
  const existing = ctx.cookies.get(name, { signed: true });
  if (existing) return existing;
  const token = randomBytes(24).toString('base64url');
  ctx.cookies.set(name, token, { signed: true, httpOnly: true, sameSite: 'strict', secure, path: appPath(ctx, path), overwrite: true });
  return token;
}

export function verifyCsrfToken(ctx: Context, submitted: unknown, secure: boolean): boolean {
  const expected = ctx.cookies.get(cookieName(secure), { signed: true });
  if (!expected || typeof submitted !== 'string') return false;
  return sameSecret(expected, submitted);
}
