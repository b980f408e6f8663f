import { MemoryArtifacts, MemoryStore } from '../../src/adapters/memory-adapter.ts';
import { CHALLENGE_TTL_SECONDS, PasskeyChallenges } from '../../src/passkeys/passkey-challenges.ts';
import { MAX_PASSKEY_NAME_LENGTH, passkeyNameOf } from '../../src/passkeys/passkey-service.ts';
import { relyingPartyOf } from '../../src/passkeys/relying-party.ts';
import { ManualClock } from '../support/manual-clock.ts';

/** WebAuthn challenges in the embedded store (the Redis store keeps the same contract: adapter-contract.test.ts). */
describe('passkey challenges', () => {
  let clock: ManualClock;
  let artifacts: MemoryArtifacts;
  let challenges: PasskeyChallenges;
  const CHALLENGE = 'q0bXh2mOA1Vd7yA8OkZ4Ss9IuKc0b1o0nJ5e2r7v1Zk';
  beforeEach(() => {
    clock = new ManualClock(Date.UTC(2030, 0, 1));
    artifacts = new MemoryArtifacts(new MemoryStore({ now: () => clock.now }));
    challenges = new PasskeyChallenges(artifacts.adapterFor('PasskeyChallenge'));
  });
  afterEach(() => artifacts.close());

  test('a challenge is taken once, and only for what it was issued for', async () => {
    await challenges.issue(CHALLENGE, { kind: 'sign-in', interactionUid: 'uid-1' });
    expect(await challenges.take(CHALLENGE, { kind: 'sign-in', interactionUid: 'uid-1' })).toBe(true);
    expect(await challenges.take(CHALLENGE, { kind: 'sign-in', interactionUid: 'uid-1' })).toBe(false);

    await challenges.issue(CHALLENGE, { kind: 'registration', accountId: 'account-1' });
    expect(await challenges.take(CHALLENGE, { kind: 'registration', accountId: 'account-2' })).toBe(false);
    // The wrong taker used it up: the right one cannot come after.
    expect(await challenges.take(CHALLENGE, { kind: 'registration', accountId: 'account-1' })).toBe(false);

    await challenges.issue(CHALLENGE, { kind: 'sign-in', interactionUid: 'uid-1' });
    expect(await challenges.take(CHALLENGE, { kind: 'registration', accountId: 'uid-1' })).toBe(false);
  });

  test('a challenge expires, and a malformed one is refused unread', async () => {
    await challenges.issue(CHALLENGE, { kind: 'sign-in', interactionUid: 'uid-1' });
    clock.advance(CHALLENGE_TTL_SECONDS * 1000);
    expect(await challenges.take(CHALLENGE, { kind: 'sign-in', interactionUid: 'uid-1' })).toBe(false);
    expect(await challenges.take('not a challenge!', { kind: 'sign-in', interactionUid: 'uid-1' })).toBe(false);
  });

  test('the store does not list a challenge among the account\'s artifacts', async () => {
    await challenges.issue(CHALLENGE, { kind: 'registration', accountId: 'account-1' });
    expect(artifacts.listAccountArtifacts('account-1')).toEqual([]);
  });
});

describe('passkey names and the relying party', () => {
  test('a name is one trimmed line of at most 64 characters', () => {
    expect(passkeyNameOf('  Work\n\tlaptop  ')).toBe('Work laptop');
    expect(passkeyNameOf('\u0000\u0007')).toBe('');
    expect(passkeyNameOf(42)).toBe('');
    expect([...passkeyNameOf('🔑'.repeat(100))]).toHaveLength(MAX_PASSKEY_NAME_LENGTH);
  });

  test('the RP ID is the issuer\'s host name, the origin its origin', () => {
    expect(relyingPartyOf('https://login.example.com:8443/tenant')).toEqual({ id: 'login.example.com', origin: 'https://login.example.com:8443', name: 'Portcullis' });
  });
});
