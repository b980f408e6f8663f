import { AsyncLocalStorage } from 'node:async_hooks';
import type Provider from 'oidc-provider';
import { clientSecretMatches } from '../clients/client-secret.ts';

const presentedVia = new AsyncLocalStorage<'basic' | 'post'>();

const EXPECTED_TRANSPORT: Record<string, 'basic' | 'post'> = {
  client_secret_basic: 'basic',
  client_secret_post: 'post',
};

/**
 * oidc-provider compares `client_secret` with the presented secret directly; Portcullis gives it
 * the stored SHA-256 instead (client-record.ts), so the comparison hashes first. It also holds a
 * client to its registered method: oidc-provider accepts client_secret_post for a client
 * registered with client_secret_basic and the other way round.
 */
export function useHashedClientSecrets(provider: Provider): void {
  provider.use((ctx, next) => {
    const via = /^basic\s/i.test(ctx.get('authorization')) ? 'basic' : 'post';
    return presentedVia.run(via, next);
  });
  type SecretClient = { clientSecret?: string; clientAuthMethod: string };
  const prototype = provider.Client.prototype as unknown as { compareClientSecret(this: SecretClient, actual: string): Promise<boolean> };
  prototype.compareClientSecret = async function compareHashedClientSecret(this: SecretClient, actual: string) {
    const expected = EXPECTED_TRANSPORT[this.clientAuthMethod];
    if (expected && presentedVia.getStore() !== expected) return false;
    return this.clientSecret !== undefined && clientSecretMatches(actual, this.clientSecret);
  };
}
