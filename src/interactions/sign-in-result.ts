/**
 * How a person signed in, as oidc-provider's login result: `amr` values from RFC 8176, and an
 * `acr` that says whether more than one factor (or a user-verified passkey) was used.
 */
export const ACR_SINGLE_FACTOR = '1fa';
export const ACR_MULTI_FACTOR = 'mfa';
/** The OpenID PAPE multi-factor policy, accepted as a synonym of `mfa` in `acr_values`. */
export const ACR_PAPE_MULTI_FACTOR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

export const ACR_VALUES_SUPPORTED = [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR, ACR_PAPE_MULTI_FACTOR] as const;
export const MULTI_FACTOR_ACRS: ReadonlySet<string> = new Set([ACR_MULTI_FACTOR, ACR_PAPE_MULTI_FACTOR]);

export type AuthenticationMethod = 'pwd' | 'otp' | 'hwk' | 'swk' | 'user' | 'mfa';

// A type alias, not an interface: oidc-provider's InteractionResults has an index signature.
export type SignInResult = {
  /** `ts`: when the person authenticated, so a consent given minutes later does not move `auth_time`. */
  login: { accountId: string; amr: AuthenticationMethod[]; acr: string; ts: number };
};

/**
 * `mfa` joins `amr` when two factors were used or when the one factor was a user-verified passkey
 * (something held plus something known or been); `acr` follows it. When the request asked for one
 * of the multi-factor values, that value is the one returned.
 */
export function signInResult(accountId: string, methods: readonly AuthenticationMethod[], requestedAcrValues?: unknown): SignInResult {
  const amr = [...new Set(methods)];
  const factors = new Set(amr.filter((method) => method !== 'user' && method !== 'mfa'));
  const userVerifiedKey = (amr.includes('hwk') || amr.includes('swk')) && amr.includes('user');
  const multiFactor = factors.size >= 2 || userVerifiedKey || amr.includes('mfa');
  if (multiFactor && !amr.includes('mfa')) amr.push('mfa');
  const requested = typeof requestedAcrValues === 'string' ? requestedAcrValues.split(' ') : [];
  const acr = multiFactor ? (requested.find((value) => MULTI_FACTOR_ACRS.has(value)) ?? ACR_MULTI_FACTOR) : ACR_SINGLE_FACTOR;
  return { login: { accountId, amr, acr, ts: Math.floor(Date.now() / 1000) } };
}
