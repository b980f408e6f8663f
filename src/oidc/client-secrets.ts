import { AsyncLocalStorage } from 'node:async_hooks';
import type Provider from 'oidc-provider';
import { matchingSecret } from '../clients/client-record.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';

const presentedVia = new AsyncLocalStorage<'basic' | 'post'>();

const EXPECTED_TRANSPORT: Record<string, 'basic' | 'post'> = {
  client_secret_basic: 'basic',
  client_secret_post: 'post',
};

/**
 * oidc-provider compares `client_secret` with the presented secret directly; Portcullis gives it
 * the stored SHA-256 instead (client-record.ts), so the comparison hashes first, and accepts the
 * previous secret of a rotation until it expires; each use is recorded for admins. It also holds a
 * client to its registered method: oidc-provider accepts client_secret_post for a client
 * registered with client_secret_basic and the other way round.
 */
export function useHashedClientSecrets(provider: Provider, clients: Pick<ClientRegistry, 'find' | 'recordSecretUse'>, onUseFailure: (error: unknown) => void): void {
  provider.use((ctx, next) => {
    const via = /^basic\s/i.test(ctx.get('authorization')) ? 'basic' : 'post';
    return presentedVia.run(via, next);
  });
  type SecretClient = { clientId: string; clientSecret?: string; clientAuthMethod: string };
  const prototype = provider.Client.prototype as unknown as { compareClientSecret(this: SecretClient, actual: string): Promise<boolean> };
  prototype.compareClientSecret = async function compareHashedClientSecret(this: SecretClient, actual: string) {
    const expected = EXPECTED_TRANSPORT[this.clientAuthMethod];
    if (expected && presentedVia.getStore() !== expected) return false;
    if (this.clientSecret === undefined) return false;
    const record = await clients.find(this.clientId);
    const which = record ? matchingSecret(record, actual) : undefined;
    // At most one write a minute per secret (recordSecretUse), so awaiting it costs nothing most of the time.
    if (which) await clients.recordSecretUse(this.clientId, which).catch(onUseFailure);
    return which !== undefined;
  };
}
