import type * as SimpleWebAuthn from '@simplewebauthn/server';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { AuditLog } from '../audit/audit-log.ts';
import { authenticationResponseOf, challengeOf, registrationResponseOf } from './ceremony-responses.ts';
import type { PasskeyChallenges } from './passkey-challenges.ts';
import type { PasskeyRepository, PasskeySummary } from './passkey-repository.ts';
import type { PasskeyThrottle } from './passkey-throttle.ts';
import type { RelyingParty } from './relying-party.ts';

/** How many passkeys one account may hold: plenty for every device a person has, and a bound on the list. */
export const MAX_PASSKEYS_PER_ACCOUNT = 20;
export const MAX_PASSKEY_NAME_LENGTH = 64;
/** What the browser is told to wait for, in milliseconds. */
const CEREMONY_TIMEOUT_MS = 120_000;

export interface PasskeyOwner {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
}

export type RegistrationFailure = 'expired' | 'invalid' | 'too-many' | 'already-registered';
export type SignInFailure = 'expired' | 'invalid' | 'unknown-passkey' | 'throttled';

export type RegistrationOutcome = { readonly added: PasskeySummary } | { readonly failed: RegistrationFailure };
export type SignInOutcome =
  | { readonly signedIn: { readonly accountId: string; readonly passkeyId: string; readonly userVerified: boolean; readonly backedUp: boolean } }
  | { readonly failed: SignInFailure; readonly retryAfter?: number };

export interface PasskeyServiceOptions {
  readonly repository: PasskeyRepository;
  readonly challenges: PasskeyChallenges;
  readonly relyingParty: RelyingParty;
  readonly audit: Pick<AuditLog, 'recordInBackground'>;
  readonly throttle: PasskeyThrottle;
}

// eslint-disable-next-line no-control-regex -- control characters are what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/g;

/** A name as typed, made one short line; empty when nothing printable is left. */
export const passkeyNameOf = (value: unknown): string =>
  typeof value === 'string' ? [...value.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim()].slice(0, MAX_PASSKEY_NAME_LENGTH).join('').trim() : '';

const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'P2002';

/**
 * Passkeys: adding one to an account (registration ceremony), signing in with one (authentication
 * ceremony, discoverable credentials: no email typed first), and the account's list of them.
 * Both ceremonies demand user verification, so a passkey sign-in is multi-factor on its own.
 * The WebAuthn library is loaded with the first ceremony, not at start.
 */
export class PasskeyService {
  readonly #repository: PasskeyRepository;
  readonly #challenges: PasskeyChallenges;
  readonly #rp: RelyingParty;
  readonly #audit: Pick<AuditLog, 'recordInBackground'>;
  readonly #throttle: PasskeyThrottle;
  #library: Promise<typeof SimpleWebAuthn> | undefined;

  constructor(options: PasskeyServiceOptions) {
    this.#repository = options.repository;
    this.#challenges = options.challenges;
    this.#rp = options.relyingParty;
    this.#audit = options.audit;
    this.#throttle = options.throttle;
  }

  #webauthn() {
    return (this.#library ??= import('@simplewebauthn/server'));
  }

  list(accountId: string): Promise<PasskeySummary[]> {
    return this.#repository.list(accountId);
  }

  /** Options for `navigator.credentials.create`, unless the account holds the most it may or `address` asked too often. */
  async registrationOptions(owner: PasskeyOwner, address: string): Promise<{ options: PublicKeyCredentialCreationOptionsJSON } | { failed: 'too-many' } | { retryAfter: number }> {
    const existing = await this.#repository.credentialsOf(owner.id);
    if (existing.length >= MAX_PASSKEYS_PER_ACCOUNT) return { failed: 'too-many' };
    const wait = await this.#throttle.challenge(address);
    if (wait > 0) return { retryAfter: wait };
    const { generateRegistrationOptions } = await this.#webauthn();
    const options = await generateRegistrationOptions({
      rpName: this.#rp.name,
      rpID: this.#rp.id,
      // The user handle is the opaque account id (the `sub`), never the email.
      userID: new TextEncoder().encode(owner.id),
      userName: owner.email,
      userDisplayName: owner.name ?? owner.email,
      timeout: CEREMONY_TIMEOUT_MS,
      attestationType: 'none',
      excludeCredentials: existing.map(({ credentialId, transports }) => ({ id: credentialId, transports })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
    await this.#challenges.issue(options.challenge, { kind: 'registration', accountId: owner.id });
    return { options };
  }

  /** Verifies the browser's answer to `registrationOptions` and stores the new passkey under `name`. */
  async register(owner: PasskeyOwner, input: { response: unknown; name: unknown; address: string }): Promise<RegistrationOutcome> {
    const response = registrationResponseOf(input.response);
    const challenge = response && challengeOf(response.response.clientDataJSON);
    if (!response || !challenge) return { failed: 'invalid' };
    if (!(await this.#challenges.take(challenge, { kind: 'registration', accountId: owner.id }))) return { failed: 'expired' };

    const { verifyRegistrationResponse } = await this.#webauthn();
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.#rp.origin,
        expectedRPID: this.#rp.id,
        requireUserVerification: true,
      });
    } catch {
      return { failed: 'invalid' };
    }
    if (!verified.verified) return { failed: 'invalid' };

    const count = await this.#repository.count(owner.id);
    if (count >= MAX_PASSKEYS_PER_ACCOUNT) return { failed: 'too-many' };
    const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
    let added: PasskeySummary;
    try {
      added = await this.#repository.create({
        accountId: owner.id,
        credentialId: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: response.response.transports ?? [],
        deviceType: credentialDeviceType,
        backedUp: credentialBackedUp,
        name: passkeyNameOf(input.name) || `Passkey ${count + 1}`,
      });
    } catch (error) {
      if (isUniqueViolation(error)) return { failed: 'already-registered' };
      throw error;
    }
    this.#audit.recordInBackground({
      actor: `user:${owner.id}`,
      action: 'user.passkey_added',
      target: owner.id,
      address: input.address,
      detail: { passkey_id: added.id, name: added.name, synced: credentialBackedUp },
    });
    return { added };
  }

  /** Options for `navigator.credentials.get` within one sign-in: any passkey of this site may answer. */
  async signInOptions(interactionUid: string, address: string): Promise<{ options: PublicKeyCredentialRequestOptionsJSON } | { retryAfter: number }> {
    const wait = await this.#throttle.challenge(address);
    if (wait > 0) return { retryAfter: wait };
    const { generateAuthenticationOptions } = await this.#webauthn();
    const options = await generateAuthenticationOptions({ rpID: this.#rp.id, userVerification: 'required', timeout: CEREMONY_TIMEOUT_MS });
    await this.#challenges.issue(options.challenge, { kind: 'sign-in', interactionUid });
    return { options };
  }

  /**
   * Verifies an assertion for the sign-in `interactionUid`. Each attempt counts against the
   * address before anything is checked and is given back on success; the challenge is used up by
   * the first attempt, so a replayed or altered assertion never gets a second try.
   */
  async signIn(interactionUid: string, input: { response: unknown; address: string }): Promise<SignInOutcome> {
    const wait = await this.#throttle.attempt(input.address);
    if (wait > 0) return { failed: 'throttled', retryAfter: wait };
    const response = authenticationResponseOf(input.response);
    const challenge = response && challengeOf(response.response.clientDataJSON);
    if (!response || !challenge) return { failed: 'invalid' };
    if (!(await this.#challenges.take(challenge, { kind: 'sign-in', interactionUid }))) return { failed: 'expired' };
    const passkey = await this.#repository.findByCredentialId(response.id);
    if (!passkey) return { failed: 'unknown-passkey' };

    const { verifyAuthenticationResponse } = await this.#webauthn();
    let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.#rp.origin,
        expectedRPID: this.#rp.id,
        credential: { id: passkey.credentialId, publicKey: passkey.publicKey, counter: passkey.counter, transports: passkey.transports },
        requireUserVerification: true,
      });
    } catch {
      return { failed: 'invalid' };
    }
    const { newCounter, userVerified, credentialBackedUp } = verified.authenticationInfo;
    if (!verified.verified || !(await this.#repository.recordUse(passkey.id, newCounter, credentialBackedUp))) return { failed: 'invalid' };
    await this.#throttle.succeeded(input.address);
    return { signedIn: { accountId: passkey.accountId, passkeyId: passkey.id, userVerified, backedUp: credentialBackedUp } };
  }

  async rename(accountId: string, passkeyId: string, name: unknown, address: string): Promise<PasskeySummary | undefined> {
    const cleaned = passkeyNameOf(name);
    if (!cleaned) return undefined;
    const renamed = await this.#repository.rename(accountId, passkeyId, cleaned);
    if (renamed) this.#audit.recordInBackground({ actor: `user:${accountId}`, action: 'user.passkey_renamed', target: accountId, address, detail: { passkey_id: passkeyId, name: cleaned } });
    return renamed;
  }

  async remove(accountId: string, passkeyId: string, address: string): Promise<PasskeySummary | undefined> {
    const removed = await this.#repository.remove(accountId, passkeyId);
    if (removed) this.#audit.recordInBackground({ actor: `user:${accountId}`, action: 'user.passkey_removed', target: accountId, address, detail: { passkey_id: passkeyId, name: removed.name } });
    return removed;
  }
}
