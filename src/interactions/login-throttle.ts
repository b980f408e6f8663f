import { normalizeEmail } from '../accounts/account-repository.ts';
import { QueueTimeoutError } from '../accounts/work-queue.ts';
import type { RedisConnection } from '../redis/connection.ts';
import type { LoginLimits } from '../config/config.ts';
import { addressBucket } from '../limits/address-bucket.ts';
import { InFlightLimit } from './in-flight-limit.ts';
import { createSharedCounters, type Counter } from '../limits/shared-counters.ts';

export interface LoginThrottleOptions extends LoginLimits {
  readonly redis: RedisConnection | undefined;
  readonly keyPrefix: string;
}

export type LoginRefusal =
  /** One of the failure limits is reached. */
  | { readonly reason: 'too-many-failures'; readonly status: 429; readonly retryAfter: number }
  /** This address already has its share of sign-ins in flight here. */
  | { readonly reason: 'too-many-in-flight'; readonly status: 429; readonly retryAfter: number }
  /** The password could not be checked in time: this instance is busy. */
  | { readonly reason: 'busy'; readonly status: 503; readonly retryAfter: number };

export type LoginOutcome<A> = { readonly refused: LoginRefusal } | { readonly refused?: undefined; readonly account: A | null };

export interface LoginThrottle {
  /**
   * Runs `check` (the password check: an account, or null) for one sign-in by `email` from
   * `address`, unless a limit refuses it. The attempt is counted atomically before `check` runs, so
   * parallel guesses cannot slip past any limit.
   */
  signIn<A>(attempt: { email: string; address: string }, check: () => Promise<A | null>): Promise<LoginOutcome<A>>;
}

const IN_FLIGHT_RETRY_AFTER_SECONDS = 1;
const MAX_EMAIL_LENGTH = 320;

/**
 * Limits on password sign-ins. Three failure counts are shared through Redis (in-process without
 * it), each taken before the password is checked and given back when the attempt turns out not to
 * be a failure:
 *
 * - per (email, address): `maxAttempts` per `windowSeconds`; a success clears it.
 * - per address across all emails (password spraying): `maxFailuresPerAddress` per
 *   `addressWindowSeconds`; it never affects other addresses. A success gives back only its own
 *   attempt, so a sprayer holding one valid account cannot reset the count.
 * - per email across addresses (distributed guessing): `maxFailuresPerAccount` per
 *   `accountWindowSeconds`, counted only for, and applied only to, addresses without a successful
 *   sign-in for that email in the last `knownAddressSeconds`. An attacker who exhausts it locks out
 *   new addresses only; the user keeps signing in from where they usually do (still subject to the
 *   other two limits). It is keyed by the email as typed, normalized, whether or not an account
 *   exists, so its refusals reveal nothing about which emails are registered.
 *
 * IPv6 addresses are counted per /64 (see addressBucket). Besides the counts, each address may have
 * at most `maxInFlightPerAddress` sign-ins in flight in this process, so that one client cannot fill
 * the password-hashing queue; and when `check` cannot get a hashing slot in time (QueueTimeoutError)
 * the sign-in is refused as busy and its attempt given back, since no password was checked.
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const shared = createSharedCounters({ redis: options.redis, keyPrefix: options.keyPrefix });
  const perPair = shared.counter('login-attempts', { points: options.maxAttempts, windowSeconds: options.windowSeconds });
  const perAddress = shared.counter('login-failures-address', {
    points: options.maxFailuresPerAddress,
    windowSeconds: options.addressWindowSeconds,
  });
  const perAccount = shared.counter('login-failures-account', {
    points: options.maxFailuresPerAccount,
    windowSeconds: options.accountWindowSeconds,
  });
  const knownAddresses = shared.memory('login-known-address', options.knownAddressSeconds);
  const inFlight = new InFlightLimit(options.maxInFlightPerAddress);

  return {
    async signIn<A>({ email, address }: { email: string; address: string }, check: () => Promise<A | null>): Promise<LoginOutcome<A>> {
      const bucket = addressBucket(address);
      const release = inFlight.tryAcquire(bucket);
      if (!release) return { refused: { reason: 'too-many-in-flight', status: 429, retryAfter: IN_FLIGHT_RETRY_AFTER_SECONDS } };
      try {
        // No account has a longer email (authenticate refuses one); the cut keeps keys small.
        const account = normalizeEmail(email).slice(0, MAX_EMAIL_LENGTH);
        const pair = `${account}|${bucket}`;
        const known = await knownAddresses.has(pair);
        const taken: Array<[Counter, string]> = [
          [perPair, pair],
          [perAddress, bucket],
        ];
        if (!known) taken.push([perAccount, account]);
        const refund = () => Promise.all(taken.map(([counter, key]) => counter.refund(key)));

        const waits = await Promise.all(taken.map(([counter, key]) => counter.take(key)));
        const wait = Math.max(...waits);
        if (wait > 0) {
          // A refused attempt counts nowhere, so it cannot push the other limits along.
          await refund();
          return { refused: { reason: 'too-many-failures', status: 429, retryAfter: wait } };
        }

        let result: A | null;
        try {
          result = await check();
        } catch (error) {
          if (!(error instanceof QueueTimeoutError)) throw error;
          await refund();
          return { refused: { reason: 'busy', status: 503, retryAfter: error.retryAfterSeconds } };
        }
        if (result !== null) {
          await Promise.all([
            perPair.clear(pair),
            perAddress.refund(bucket),
            ...(known ? [] : [perAccount.refund(account)]),
            knownAddresses.remember(pair),
          ]);
        }
        return { account: result };
      } finally {
        release();
      }
    },
  };
}
