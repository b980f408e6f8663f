import { importJWK } from 'jose';
import { adminCall, adminToken, createAdminClient } from '../support/admin.ts';
import { startDynamicOp, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-server-rotate-keys (OIDCCServerRotateKeys, "OP-Rotation-OP-Sig"), server_metadata=discovery
 * (no client): fetch and validate jwks_uri, have the operator rotate the OP's signing keys
 * (TellUserToRotateOpKeys; here POST /admin/v1/keys/rotate, what `cli keys rotate` also does),
 * fetch and validate again. The new set must have a signing key that is really new (new kid, new
 * modulus or curve point: VerifyNewJwksHasNewSigningKey, OIDCC-10.1.1) and should still publish an
 * old one, unchanged, for tokens signed before (VerifyNewJwksStillHasOldSigningKey, a WARNING).
 * Like the suite, this does not check that ID tokens use the new key (test/e2e/signing-key-rotation.test.ts does).
 */
type Jwk = Record<string, unknown> & { kid?: string; kty?: string; use?: string };
let op: DynamicOp;
let original: Jwk[];
let rotated: Jwk[];
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

const fetchKeys = async (): Promise<Jwk[]> => {
  const response = await fetch(String(op.metadata.jwks_uri));
  expect(response.status).toBe(200);
  return ((await response.json()) as { keys: Jwk[] }).keys;
};

/** FetchServerKeys, CheckServerKeysIsValid, ValidateJwksSequence (no private or symmetric parts, usable keys), CheckForKeyIdInServerJWKs, CheckDistinctKeyIdValueInServerJWKs. */
async function expectValidServerJwks(keys: Jwk[]): Promise<void> {
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(secret);
    expect(['RSA', 'EC']).toContain(key.kty);
    await expect(importJWK(key, typeof key.alg === 'string' ? key.alg : key.kty === 'RSA' ? 'RS256' : 'ES256')).resolves.toBeDefined();
    expect(key.kid).toEqual(expect.stringMatching(/\S/));
  }
  expect(new Set(keys.map((key) => key.kid)).size).toBe(keys.length);
}

const signingKeys = (keys: Jwk[]) => keys.filter((key) => key.use === undefined || key.use === 'sig');
const publicParts = (key: Jwk) => JSON.stringify({ kid: key.kid, kty: key.kty, ...(key.kty === 'RSA' ? { e: key.e, n: key.n } : { crv: key.crv, x: key.x, y: key.y }) });

test('before the rotation: the jwks_uri keys are valid (CheckServerKeysIsValid, ValidateJwksSequence RFC7517-1.1, CheckForKeyIdInServerJWKs OIDCC-10.1, CheckDistinctKeyIdValueInServerJWKs RFC7517-4.5)', async () => {
  original = await fetchKeys();
  await expectValidServerJwks(original);
});

test('TellUserToRotateOpKeys: the operator rotates (POST /admin/v1/keys/rotate); after it the keys are valid again', async () => {
  const call = adminCall(op.server, await adminToken(op.server, await createAdminClient(op.server)));
  const answer = await call('POST', '/admin/v1/keys/rotate');
  expect(answer.status).toBeLessThan(300);
  rotated = await fetchKeys();
  await expectValidServerJwks(rotated);
});

test('VerifyNewJwksHasNewSigningKey (OIDCC-10.1.1): a new signing key, with a kid and a modulus / point no original key has', () => {
  const before = signingKeys(original);
  const known = new Set(before.map(publicParts));
  const added = signingKeys(rotated).filter((key) => !known.has(publicParts(key)));
  expect(added.length).toBeGreaterThan(0);
  for (const key of added) {
    expect(before.map((old) => old.kid)).not.toContain(key.kid);
    const field = key.kty === 'RSA' ? 'n' : 'x';
    expect(before.map((old) => old[field])).not.toContain(key[field]);
  }
});

test('VerifyNewJwksStillHasOldSigningKey (WARNING, OIDCC-10.1.1): the old signing keys are still published, unchanged', () => {
  const now = new Set(signingKeys(rotated).map((key) => JSON.stringify(key)));
  expect(signingKeys(original).filter((key) => now.has(JSON.stringify(key))).length).toBeGreaterThan(0);
});
