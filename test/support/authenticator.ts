import { setTimeout as sleep } from 'node:timers/promises';
import { generate } from 'otplib';

const PERIOD = 30;
const currentStep = () => Math.floor(Date.now() / 1000 / PERIOD);

/**
 * An authenticator app in a test: TOTP codes for the key a page showed, each for a time step not
 * used before (the server accepts a step once), waiting for the next step only when the ones at hand
 * (now and one ahead, which the server allows) are used up.
 */
export class Authenticator {
  readonly secret: string;
  #lastStep = -1;

  constructor(key: string) {
    this.secret = key.replace(/\s/g, '');
  }

  /** The key as the enrolment page shows it (base32 in groups of four). */
  static fromPage(html: string): Authenticator {
    const key = /<p class="key"><code>([A-Z2-7 ]+)<\/code><\/p>/.exec(html)?.[1];
    if (!key) throw new Error('no key on the page');
    return new Authenticator(key);
  }

  async code(): Promise<string> {
    const step = Math.max(currentStep(), this.#lastStep + 1);
    while (step > currentStep() + 1) await sleep(1000);
    this.#lastStep = step;
    return generate({ secret: this.secret, epoch: step * PERIOD });
  }

  /** The code accepted last: what a replay sends. */
  lastCode(): Promise<string> {
    return generate({ secret: this.secret, epoch: this.#lastStep * PERIOD });
  }
}
