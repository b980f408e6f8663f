import type { ClientRegistry } from '../clients/client-registry.ts';
import type { AdapterPayload, ArtifactAdapter } from './models.ts';

/**
 * oidc-provider's Client model, read through the client registry (cached, one owner): clients are
 * created by the CLI (or the admin API), never through the provider, so every write method refuses.
 */
export class ClientAdapter implements ArtifactAdapter {
  readonly #clients: Pick<ClientRegistry, 'find'>;

  constructor(clients: Pick<ClientRegistry, 'find'>) {
    this.#clients = clients;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await this.#clients.find(id))?.providerMetadata;
  }

  upsert(): Promise<void> {
    return readOnly();
  }
  consume(): Promise<void> {
    return readOnly();
  }
  destroy(): Promise<void> {
    return readOnly();
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async revokeByGrantId(): Promise<void> {}
}

function readOnly(): Promise<never> {
  return Promise.reject(new Error('clients are managed through the client registry, not the provider'));
}
