import { MULTI_FACTOR_ACRS } from '../interactions/sign-in-result.ts';

/** Whether an authorization request's `acr_values` asks for a multi-factor sign-in (`mfa` or the PAPE policy). */
export const asksForMultiFactor = (acrValues: unknown): boolean =>
  typeof acrValues === 'string' && acrValues.split(' ').some((value) => MULTI_FACTOR_ACRS.has(value));

/** Whether a session's `acr` says it was signed in with more than one factor. */
export const isMultiFactorAcr = (acr: unknown): boolean => typeof acr === 'string' && MULTI_FACTOR_ACRS.has(acr);
