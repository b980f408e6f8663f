import type { KeySealer } from '../crypto/key-sealer.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { PrivateJwk } from '../keys/key-material.ts';
import { SigningKeyRepository } from '../keys/signing-key-repository.ts';
import { SigningKeyService } from '../keys/signing-key-service.ts';

export { generateSigningKey, publicJwkOf, SIGNING_ALGORITHMS, type PrivateJwk, type SigningAlgorithm } from '../keys/key-material.ts';

/**
 * The keys a provider publishes (current keys first, see src/keys/), generating one per algorithm
 * the first time, for callers without the services (the services use SigningKeyService). Callers
 * run this under the database's exclusive lock. With a key-encryption key the private keys are
 * stored sealed; keys stored in the clear before one was configured are sealed on the spot.
 */
export async function loadOrCreateSigningKeys(prisma: PrismaClient, sealer?: KeySealer): Promise<PrivateJwk[]> {
  const service = new SigningKeyService({
    repository: new SigningKeyRepository(prisma, sealer),
    withExclusiveLock: (work) => work(),
    changes: { publish: async () => {} },
    // Without automatic rotation nothing is retired here, so no token lifetime is needed.
    policy: { rotateAfterSeconds: undefined },
    longestTokenLifetime: async () => 0,
  });
  return [...(await service.prepare()).keys];
}
