/**
 * TOTP (RFC 6238) as authenticator apps use it: SHA-1, 6 digits, 30-second steps, through otplib
 * (loaded with the first use, not at start).
 */
export const TOTP_PERIOD_SECONDS = 30;
const SECRET_BYTES = 20;
const CODE_SHAPE = /^\d{6}$/;

const otplib = () => import('otplib');

/** A new random secret, base32 (160 bits, as RFC 4226 recommends). */
export async function newTotpSecret(): Promise<string> {
  return (await otplib()).generateSecret({ length: SECRET_BYTES });
}

/** The `otpauth://totp/…` URI that a QR code or a password manager takes. */
export async function otpauthUri(secret: string, { issuer, label }: { issuer: string; label: string }): Promise<string> {
  return (await otplib()).generateURI({ issuer, label, secret });
}

/** Whether `code` has the shape of a TOTP code (six digits), once spaces are dropped. */
export const looksLikeTotpCode = (code: string): boolean => CODE_SHAPE.test(code.replace(/\s/g, ''));

/**
 * The time step `code` belongs to, one step either side of `nowSeconds` allowed for clock drift and
 * typing time, and only a step later than `after` (the last one accepted); null if none.
 */
export async function matchingTimeStep(
  secret: string,
  code: string,
  { nowSeconds, after }: { nowSeconds: number; after: number | null },
): Promise<number | null> {
  const token = code.replace(/\s/g, '');
  if (!CODE_SHAPE.test(token)) return null;
  const current = Math.floor(nowSeconds / TOTP_PERIOD_SECONDS);
  // otplib throws when `after` is past the window; no code can be accepted then anyway.
  if (after !== null && after >= current + 1) return null;
  const result = await (
    await otplib()
  ).verify({
    secret,
    token,
    epoch: nowSeconds,
    epochTolerance: TOTP_PERIOD_SECONDS,
    ...(after !== null ? { afterTimeStep: after } : {}),
  });
  return result.valid ? current + result.delta : null;
}
