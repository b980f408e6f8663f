import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { matchingSecret } from '../clients/client-record.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';

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
const REGISTRATION_CLIENT_PATH = /^\/reg\/([^/]+)$/;
const REGISTRATION_ROUTES = new Set(['client', 'client_update']);

const safelyDecoded = (component: string): string => {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
};

/**
 * RFC 7592 reads and updates: oidc-provider knows only the stored hash as `client_secret` and would
 * hand it out; it never reaches an answer. (A secret newly issued by an update is the real one and
 * stays. A `PUT` that repeats the real secret is refused by the provider's comparison with the
 * hash: leave `client_secret` out of it, docs/admin-api.md.)
 */
function hideStoredHashInRegistrationAnswers(clients: Pick<ClientRegistry, 'find'>) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const clientId = REGISTRATION_CLIENT_PATH.exec(ctx.path)?.[1];
    if (!clientId) return next();
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!REGISTRATION_ROUTES.has(ctx.oidc?.route ?? '') || !body || typeof body !== 'object' || typeof body.client_secret !== 'string') return;
    const record = await clients.find(safelyDecoded(clientId)).catch(() => undefined);
    if (!record || body.client_secret === record.secretHash) {
      delete body.client_secret;
      delete body.client_secret_expires_at;
    }
  };
}

const presentedVia = (ctx: KoaContextWithOIDC): 'basic' | 'post' => (/^basic\s/i.test(ctx.get('authorization')) ? 'basic' : 'post');

export function useHashedClientSecrets(provider: Provider, clients: Pick<ClientRegistry, 'find' | 'recordSecretUse'>, onUseFailure: (error: unknown) => void): void {
  // The request being served, from oidc-provider's own async context.
  const currentRequest = () => (provider.constructor as { ctx?: KoaContextWithOIDC }).ctx;
  provider.use(hideStoredHashInRegistrationAnswers(clients));
  type SecretClient = { clientId: string; clientSecret?: string; clientAuthMethod: string };
  const prototype = provider.Client.prototype as unknown as { compareClientSecret(this: SecretClient, actual: string): Promise<boolean> };
  prototype.compareClientSecret = async function compareHashedClientSecret(this: SecretClient, actual: string) {
    const expected = EXPECTED_TRANSPORT[this.clientAuthMethod];
    const request = currentRequest();
    if (expected && (!request || presentedVia(request) !== expected)) return false;
    if (this.clientSecret === undefined) return false;
    const record = await clients.find(this.clientId);
    const which = record ? matchingSecret(record, actual) : undefined;
    // At most one write a minute per secret (recordSecretUse), so awaiting it costs nothing most of the time.
    if (which) await clients.recordSecretUse(this.clientId, which).catch(onUseFailure);
    return which !== undefined;
  };
}
