import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import { addressBucket } from '../limits/address-bucket.ts';
import { createSharedCounters, type Counter } from '../limits/shared-counters.ts';
import type { RedisConnection } from '../redis/connection.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

/** How much of each self-service action one client address or one mailbox may do, per window (defaults: config/schema.ts). */
export interface SelfServiceRates {
  readonly signUpsPerAddressPerHour: number;
  readonly mailsPerRecipientPerHour: number;
  readonly mailsPerAddressPerHour: number;
  /** Verification and reset links opened, reset forms sent: per address per 10 minutes. */
  readonly linkUsesPerAddressPer10Minutes: number;
}

export class TooManyRequestsError extends AppError {
  override name = 'TooManyRequestsError';
  /** What a page says (views/strings); `message` is the same in English, for logs and JSON. */
  readonly words: PageText;
  constructor(message: string, words: PageText, retryAfter: number) {
    super('rate_limited', message, { retryAfter });
    this.words = words;
  }
}

/** Counts per address (IPv6 by /64) and per mailbox (hashed: no address is a Redis key), shared through Redis. */
export interface SelfServiceLimits {
  signUp(address: string): Promise<void>;
  /** One mail asked for from `address`. */
  mailFrom(address: string): Promise<void>;
  /** One mail to `recipient`. */
  mailTo(recipient: string): Promise<void>;
  linkUse(address: string): Promise<void>;
}

const mailbox = (email: string): string => createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');

export function createSelfServiceLimits(options: { redis: RedisConnection | undefined; keyPrefix: string; rates: SelfServiceRates }): SelfServiceLimits {
  const { rates } = options;
  const counters = createSharedCounters(options);
  const signUps = counters.counter('signups-per-address', { points: rates.signUpsPerAddressPerHour, windowSeconds: 3600 });
  const mailsPerRecipient = counters.counter('mails-per-recipient', { points: rates.mailsPerRecipientPerHour, windowSeconds: 3600 });
  const mailsPerAddress = counters.counter('mails-per-address', { points: rates.mailsPerAddressPerHour, windowSeconds: 3600 });
  const linkUses = counters.counter('link-uses-per-address', { points: rates.linkUsesPerAddressPer10Minutes, windowSeconds: 600 });
  const take = async (counter: Counter, key: string, message: string, words: PageText) => {
    const wait = await counter.take(key);
    if (wait > 0) throw new TooManyRequestsError(message, words, wait);
  };
  return {
    signUp: (address) => take(signUps, addressBucket(address), 'Too many sign-ups from your network. Please try again later.', pageText('self_service.too_many_sign_ups')),
    mailFrom: (address) => take(mailsPerAddress, addressBucket(address), 'Too many emails were asked for from your network. Please try again later.', pageText('self_service.too_many_mails_from')),
    mailTo: (recipient) => take(mailsPerRecipient, mailbox(recipient), 'We have sent several emails to this address already. Please check your inbox, or try again later.', pageText('self_service.too_many_mails_to')),
    linkUse: (address) => take(linkUses, addressBucket(address), 'Too many attempts from your network. Please wait a few minutes and try again.', pageText('self_service.too_many_link_uses')),
  };
}
