import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { runChain } from '../http/middleware-chain.ts';
import type { PublishedKeySet } from './signing-key-service.ts';

/**
 * The provider in use. oidc-provider reads its keys only when it is constructed, so a changed key
 * set means a new instance, swapped in here. Nothing is lost: every session, interaction, grant
 * and token lives in the adapter store, which all instances share. Whoever serves a request asks
 * for `current` then, never keeps an instance.
 */
export class ProviderHandle {
  readonly #build: (keys: PublishedKeySet['keys']) => Provider;
  #current: Provider;
  #fingerprint: string;

  constructor(build: (keys: PublishedKeySet['keys']) => Provider, keySet: PublishedKeySet) {
    this.#build = build;
    this.#current = build(keySet.keys);
    this.#fingerprint = keySet.fingerprint;
  }

  get current(): Provider {
    return this.#current;
  }

  /** Which key set the current provider was built with. */
  get fingerprint(): string {
    return this.#fingerprint;
  }

  /**
   * Runs the current provider's middleware in the host app's own request context (as koa-mount
   * does), rather than through its callback, which would build a second Koa context for every
   * request. The provider and the host share the proxy settings and cookie keys that context reads.
   */
  middleware(): Middleware {
    return (ctx, next) => runChain(this.#current.middleware as Middleware[], 0, ctx, next);
  }

  /** Builds a provider with these keys and makes it current; requests already inside the old one finish there. */
  replace(keySet: PublishedKeySet): void {
    const provider = this.#build(keySet.keys);
    this.#current = provider;
    this.#fingerprint = keySet.fingerprint;
  }
}
