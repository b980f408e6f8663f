import { OWASP_ARGON2ID, PasswordHasher } from '../../src/accounts/password-hasher.ts';

describe('argon2id password hashing', () => {
  const hasher = new PasswordHasher();

  test('hashes with argon2id at OWASP parameters and verifies', async () => {
    const encoded = await hasher.hash('correct horse');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(encoded, 'correct horse')).toBe(true);
    expect(await hasher.verify(encoded, 'correct horsE')).toBe(false);
  });

  test('the same password hashes differently each time (salted)', async () => {
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same'));
  });

  test('a malformed stored hash never verifies and never throws', async () => {
    expect(await hasher.verify('not-a-hash', 'x')).toBe(false);
  });

  test('needsRehash flags hashes made with other parameters', async () => {
    const stronger = new PasswordHasher({ ...OWASP_ARGON2ID, timeCost: 3 });
    const current = await hasher.hash('pw');
    expect(hasher.needsRehash(current)).toBe(false);
    expect(stronger.needsRehash(current)).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });
});
