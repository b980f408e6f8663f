import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { PublishedKeySet } from './signing-key-service.ts';

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The provider in use. oidc-provider reads its keys only when it is constructed, so a changed key
 * set means a new instance, swapped in here. Nothing is lost: every session, interaction, grant
 * and token lives in the adapter store, which all instances share. Whoever serves a request asks
 * for `current` then, never keeps an instance.
 */
export class ProviderHandle {
  readonly #build: (keys: PublishedKeySet['keys']) => Provider;
  #current: Provider;
  #handler: RequestHandler;
  #fingerprint: string;

  constructor(build: (keys: PublishedKeySet['keys']) => Provider, keySet: PublishedKeySet) {
    this.#build = build;
    this.#current = build(keySet.keys);
    this.#handler = this.#current.callback();
    this.#fingerprint = keySet.fingerprint;
  }

  get current(): Provider {
    return this.#current;
  }

  /** Which key set the current provider was built with. */
  get fingerprint(): string {
    return this.#fingerprint;
  }

  /** Like Provider#callback, for whichever provider is current when each request comes. */
  callback(): RequestHandler {
    return (req, res) => this.#handler(req, res);
  }

  /** Builds a provider with these keys and makes it current; requests already inside the old one finish there. */
  replace(keySet: PublishedKeySet): void {
    const provider = this.#build(keySet.keys);
    const handler = provider.callback();
    this.#current = provider;
    this.#handler = handler;
    this.#fingerprint = keySet.fingerprint;
  }
}
