import type { AuditLog } from '../audit/audit-log.ts';
import type { LoginRefusal, LoginThrottle } from '../interactions/login-throttle.ts';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.ts';
import { looksLikeTotpCode, matchingTimeStep, newTotpSecret, otpauthUri } from './totp-codes.ts';
import type { StoredTotp, TotpRepository } from './totp-repository.ts';

/** What the account page shows of an account's two-step verification. */
export interface TotpSummary {
  readonly enrolled: boolean;
  readonly recoveryCodesLeft: number;
}

/** What an authenticator app is given: the base32 key and the same as an `otpauth://` URI. */
export interface TotpEnrolment {
  readonly secret: string;
  readonly uri: string;
}

export type EnrolmentConfirmation =
  /** Shown once: only their hashes are kept. */
  | { readonly recoveryCodes: readonly string[]; readonly refused?: undefined }
  /** `not-pending`: no enrolment is waiting (expired, confirmed elsewhere, or never started). */
  | { readonly refused: 'wrong-code' | 'not-pending' };

/** Which kind of code was accepted. */
export type SecondFactorMethod = 'totp' | 'recovery-code';

export type CodeCheck = { readonly refused: LoginRefusal } | { readonly refused?: undefined; readonly accepted: SecondFactorMethod | null };

export interface TotpServiceOptions {
  readonly repository: TotpRepository;
  /** Limits on wrong codes, per account (see code-throttle.ts). */
  readonly throttle: LoginThrottle;
  readonly audit: Pick<AuditLog, 'recordInBackground'>;
  /** The issuer an authenticator app lists the account under. */
  readonly productName: string;
  /** Epoch seconds; tests move it. */
  readonly now?: () => number;
}

/** How long a new secret waits for its first code before a fresh one replaces it. */
export const PENDING_ENROLMENT_SECONDS = 30 * 60;

/**
 * Two-step verification with an authenticator app (RFC 6238) and single-use recovery codes. An
 * enrolment's secret is pending until a code from the app confirms it; at sign-in a code is accepted
 * once (the last accepted time step is stored), and a recovery code is accepted wherever a TOTP code is.
 */
export class TotpService {
  readonly #repository: TotpRepository;
  readonly #throttle: LoginThrottle;
  readonly #audit: Pick<AuditLog, 'recordInBackground'>;
  readonly #productName: string;
  readonly #now: () => number;

  constructor(options: TotpServiceOptions) {
    this.#repository = options.repository;
    this.#throttle = options.throttle;
    this.#audit = options.audit;
    this.#productName = options.productName;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  isEnrolled(accountId: string): Promise<boolean> {
    return this.#repository.isEnrolled(accountId);
  }

  async summary(accountId: string): Promise<TotpSummary> {
    if (!(await this.#repository.isEnrolled(accountId))) return { enrolled: false, recoveryCodesLeft: 0 };
    return { enrolled: true, recoveryCodesLeft: await this.#repository.recoveryCodesLeft(accountId) };
  }

  /**
   * The secret waiting for its first code (a reload shows the same one until it expires), or a new
   * one; undefined when the account has TOTP on already. `label` names the account in the app.
   */
  async startEnrolment(accountId: string, label: string): Promise<TotpEnrolment | undefined> {
    const existing = await this.#repository.find(accountId);
    if (existing?.confirmedAt) return undefined;
    let secret = existing && !this.#expired(existing) ? existing.secret : undefined;
    if (!secret) {
      secret = await newTotpSecret();
      if (!(await this.#repository.savePending(accountId, secret))) return undefined;
    }
    return { secret, uri: await otpauthUri(secret, { issuer: this.#productName, label }) };
  }

  /** Turns TOTP on with a code from the app, and gives the first recovery codes. */
  async confirmEnrolment(accountId: string, code: string, address: string): Promise<EnrolmentConfirmation> {
    const pending = await this.#repository.find(accountId);
    if (!pending || pending.confirmedAt || this.#expired(pending)) return { refused: 'not-pending' };
    const timeStep = await matchingTimeStep(pending.secret, code, { nowSeconds: this.#now(), after: null });
    if (timeStep === null) return { refused: 'wrong-code' };
    const recoveryCodes = newRecoveryCodes();
    if (!(await this.#repository.confirm(accountId, pending.createdAt, timeStep, this.#hashes(accountId, recoveryCodes))))
      return { refused: 'not-pending' };
    this.#record(accountId, 'user.totp_enrolled', address, { recovery_codes_left: recoveryCodes.length });
    return { recoveryCodes };
  }

  /**
   * Checks a TOTP code or a recovery code, within the limits on wrong codes. An accepted code is
   * used up: the same TOTP code (or an earlier one) is refused from then on, a recovery code forever.
   */
  async checkCode(accountId: string, code: string, address: string): Promise<CodeCheck> {
    const outcome = await this.#throttle.signIn({ email: accountId, address }, () => this.#accept(accountId, code, address));
    return outcome.refused ? { refused: outcome.refused } : { accepted: outcome.account };
  }

  /** Turns TOTP off, given a current code or a recovery code; its recovery codes go with it. */
  async remove(accountId: string, code: string, address: string): Promise<CodeCheck> {
    const check = await this.checkCode(accountId, code, address);
    if (check.refused || !check.accepted) return check;
    if (await this.#repository.remove(accountId)) this.#record(accountId, 'user.totp_removed', address, { confirmed_with: check.accepted });
    return check;
  }

  /** New recovery codes in place of every earlier one; undefined when TOTP is off. */
  async regenerateRecoveryCodes(accountId: string, address: string): Promise<readonly string[] | undefined> {
    const recoveryCodes = newRecoveryCodes();
    if (!(await this.#repository.replaceRecoveryCodes(accountId, this.#hashes(accountId, recoveryCodes)))) return undefined;
    this.#record(accountId, 'user.recovery_codes_regenerated', address, { recovery_codes_left: recoveryCodes.length });
    return recoveryCodes;
  }

  async #accept(accountId: string, code: string, address: string): Promise<SecondFactorMethod | null> {
    if (looksLikeTotpCode(code)) {
      const credential = await this.#repository.find(accountId);
      if (!credential?.confirmedAt) return null;
      const timeStep = await matchingTimeStep(credential.secret, code, { nowSeconds: this.#now(), after: credential.lastTimeStep });
      if (timeStep === null || !(await this.#repository.acceptTimeStep(accountId, timeStep))) return null;
      if (credential.storedInClear) await this.#repository.seal(accountId, credential.secret);
      return 'totp';
    }
    const codeHash = recoveryCodeHash(accountId, code);
    if (!codeHash || !(await this.#repository.useRecoveryCode(accountId, codeHash))) return null;
    this.#record(accountId, 'user.recovery_code_used', address, {
      recovery_codes_left: await this.#repository.recoveryCodesLeft(accountId),
    });
    return 'recovery-code';
  }

  #expired(pending: StoredTotp): boolean {
    return pending.confirmedAt === null && pending.createdAt.getTime() / 1000 < this.#now() - PENDING_ENROLMENT_SECONDS;
  }

  #hashes(accountId: string, codes: readonly string[]): string[] {
    return codes.map((code) => recoveryCodeHash(accountId, code)!);
  }

  #record(accountId: string, action: string, address: string, detail: Record<string, unknown>): void {
    this.#audit.recordInBackground({ actor: `user:${accountId}`, action, target: accountId, address, detail });
  }
}
