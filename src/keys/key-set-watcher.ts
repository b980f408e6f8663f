import type { ChangeFeed } from '../cache/change-feed.ts';
import type { Logger } from '../observability/logger.ts';
import type { ProviderHandle } from './provider-handle.ts';
import type { SigningKeyService } from './signing-key-service.ts';

/**
 * How often every instance reads the key set's states (a few small columns, no key material). A
 * change notification makes an instance reload at once; the poll bounds how late one that missed
 * it (Redis away, no Redis with a shared PostgreSQL, a CLI in another process) can be, well within
 * 10 s. It also notices a retired key's publication ending and runs automatic rotation when due.
 */
export const KEY_SET_POLL_INTERVAL_MS = 5000;

export interface KeySetWatcherOptions {
  readonly logger: Logger;
  readonly pollIntervalMs?: number;
}

/** Keeps this instance's provider on the published key set, and the key set maintained. */
export class KeySetWatcher {
  readonly #service: SigningKeyService;
  readonly #provider: ProviderHandle;
  readonly #logger: Logger;
  readonly #pollIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #stopped = false;

  constructor(service: SigningKeyService, provider: ProviderHandle, options: KeySetWatcherOptions) {
    this.#service = service;
    this.#provider = provider;
    this.#logger = options.logger;
    this.#pollIntervalMs = options.pollIntervalMs ?? KEY_SET_POLL_INTERVAL_MS;
  }

  start(changes: Pick<ChangeFeed, 'onChange' | 'onReset'>): void {
    changes.onChange((change) => {
      if (change.kind === 'keys') void this.refresh();
    });
    changes.onReset(() => void this.refresh());
    this.#timer = setInterval(() => void this.refresh(), this.#pollIntervalMs);
    this.#timer.unref();
  }

  /** Stops polling and waits for a refresh under way, so nothing touches the database after. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  /** Brings this instance up to date; calls made meanwhile share one more pass after the running one. */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#queued ??= this.#running.then(() => {
        this.#queued = undefined;
        return this.refresh();
      });
      return this.#queued;
    }
    this.#running = this.#refreshOnce()
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'could not refresh the signing keys; trying again shortly'))
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async #refreshOnce(): Promise<void> {
    let states = await this.#service.states();
    if (this.#service.maintenanceDue(states) && (await this.#service.maintain())) states = await this.#service.states();
    if (this.#service.publishedFingerprint(states) === this.#provider.fingerprint) return;
    const keySet = await this.#service.publishedKeySet();
    if (keySet.fingerprint === this.#provider.fingerprint || this.#stopped) return;
    this.#provider.replace(keySet);
    this.#logger.info({ keys: keySet.fingerprint }, 'signing keys changed: now serving the new key set');
  }
}
