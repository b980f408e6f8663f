import type Provider from 'oidc-provider';
import type { ClientMetadata, ClientValidator } from './client-registry.ts';
import { InvalidClientMetadataError } from './errors.ts';

/** Validates client metadata with the provider's own rules, so what the CLI accepts the provider serves. */
export function providerClientValidator(provider: Provider): ClientValidator {
  type ClientClass = { validate(metadata: object): Promise<void>; needsSecret(metadata: object): boolean; new (metadata: object): { metadata(): ClientMetadata } };
  const Client = provider.Client as unknown as ClientClass;
  return {
    async normalize(metadata) {
      try {
        await Client.validate(metadata);
        return new Client(metadata).metadata();
      } catch (error) {
        const description = (error as { error_description?: string }).error_description ?? (error as Error).message;
        throw new InvalidClientMetadataError(description);
      }
    },
    needsSecret: (metadata) => Client.needsSecret(metadata),
  };
}
