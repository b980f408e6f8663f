import { ACR_SINGLE_FACTOR, MULTI_FACTOR_ACRS } from '../interactions/sign-in-result.ts';

/**
 * Whether an authorization request's `acr_values` asks for a multi-factor sign-in (`mfa` or the PAPE
 * policy). `acr_values` lists the values the client accepts, in order of preference (OIDC Core
 * 3.1.2.1): one that also lists `1fa` accepts a single-factor sign-in.
 */
export const asksForMultiFactor = (acrValues: unknown): boolean => {
  if (typeof acrValues !== 'string') return false;
  const values = acrValues.split(' ');
  return values.some((value) => MULTI_FACTOR_ACRS.has(value)) && !values.includes(ACR_SINGLE_FACTOR);
};

/**
 * The acr values a request names: `acr_values`, and the values of an essential `acr` asked for the
 * ID token through the `claims` parameter (OIDC Core 5.5.1.1), space-separated.
 */
export function requestedAcrValues(params: { acr_values?: unknown; claims?: unknown } | undefined): string | undefined {
  const values = typeof params?.acr_values === 'string' ? params.acr_values.split(' ') : [];
  const acr = essentialAcrOf(params?.claims);
  if (acr) values.push(...acr);
  return values.length > 0 ? values.join(' ') : undefined;
}

function essentialAcrOf(claims: unknown): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = typeof claims === 'string' ? JSON.parse(claims) : claims;
  } catch {
    return undefined;
  }
  const acr = (parsed as { id_token?: { acr?: { essential?: unknown; value?: unknown; values?: unknown } } } | undefined)?.id_token?.acr;
  if (!acr || acr.essential !== true) return undefined;
  const values = typeof acr.value === 'string' ? [acr.value] : Array.isArray(acr.values) ? acr.values.filter((value): value is string => typeof value === 'string') : [];
  return values.length > 0 ? values : undefined;
}

/** Whether a session's `acr` says it was signed in with more than one factor. */
export const isMultiFactorAcr = (acr: unknown): boolean => typeof acr === 'string' && MULTI_FACTOR_ACRS.has(acr);
