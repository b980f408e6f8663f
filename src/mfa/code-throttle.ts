import { createLoginThrottle, type LoginThrottle, type LoginThrottleOptions } from '../interactions/login-throttle.ts';

/**
 * The limits on second-factor codes (TOTP and recovery codes): the password sign-in limits, with
 * the account id in place of the email, counted under keys of their own. Apart, so that nothing
 * typed into the email field moves these counts, and a right password (which clears its own count)
 * buys no more guesses at the code.
 */
export const createCodeThrottle = (options: LoginThrottleOptions): LoginThrottle =>
  createLoginThrottle({ ...options, keyPrefix: `${options.keyPrefix}code:` });
