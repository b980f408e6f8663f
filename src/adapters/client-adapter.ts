import type { ClientRegistry } from '../clients/client-registry.ts';
import type { AdapterPayload, ArtifactAdapter } from './models.ts';

/**
 * oidc-provider's Client model, read through the client registry (cached, one owner). The provider
 * writes only for dynamic registration (RFC 7591/7592), through the registry too, so secrets are
 * hashed and deletion revokes, exactly as for clients an admin registers.
 */
export class ClientAdapter implements ArtifactAdapter {
  readonly #clients: Pick<ClientRegistry, 'find' | 'saveRegistered' | 'delete'>;

  constructor(clients: Pick<ClientRegistry, 'find' | 'saveRegistered' | 'delete'>) {
    this.#clients = clients;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await this.#clients.find(id))?.providerMetadata;
  }

  upsert(id: string, payload: AdapterPayload): Promise<void> {
    return this.#clients.saveRegistered(id, payload);
  }
  consume(): Promise<void> {
    return Promise.reject(new Error('clients are not consumable'));
  }
  destroy(id: string): Promise<void> {
    return this.#clients.delete(id);
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async revokeByGrantId(): Promise<void> {}
}
