import { AppError } from '../errors/app-error.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

/** Longer than any passphrase a person types; bounds the work of hashing one (NIST asks for at least 64). */
export const MAX_PASSWORD_LENGTH = 1024;

/** Who the password is for: words tied to them make a weak password (NIST SP 800-63B 3.1.1.2). */
export interface PasswordContext {
  readonly email?: string | undefined;
}

export class PasswordRejectedError extends AppError {
  override name = 'PasswordRejectedError';
  /** The rule broken, for a page (views/strings); `message` is the same in English, for the admin API and CLI. */
  readonly words: PageText;
  constructor(message: string, words: PageText) {
    super('invalid_input', message, { fields: [{ pointer: '/password', message }] });
    this.words = words;
  }
}

/** Characters as NIST counts them: Unicode code points, after normalisation. */
const lengthOf = (text: string): number => [...text].length;

/** One short unit said again and again: "aaaaaaaaaaaaaaaa", "abcabcabcabcabc", "passwordpassword". */
function repeatedUnit(text: string): string | undefined {
  const characters = [...text];
  for (let size = 1; size <= characters.length / 2; size += 1) {
    if (characters.length % size !== 0) continue;
    const unit = characters.slice(0, size).join('');
    if (unit.repeat(characters.length / size) === text) return unit;
  }
  return undefined;
}

/** Every character one code point after (or before) the previous: "123456789012345" wraps 9→0 too. */
function isSequence(text: string): boolean {
  const points = [...text].map((character) => character.codePointAt(0) ?? 0);
  if (points.length < 4) return false;
  const steps = new Set(points.slice(1).map((point, i) => point - (points[i] ?? 0)));
  const digitsWrapping = /^\d+$/.test(text) && [...steps].every((step) => step === 1 || step === -9);
  return digitsWrapping || (steps.size === 1 && [...steps].every((step) => step === 1 || step === -1));
}

type CommonPasswords = ReadonlySet<string>;

/** About 49,000 common and breached passwords (zxcvbn-ts's list), loaded when first needed. */
async function loadCommonPasswords(): Promise<CommonPasswords> {
  const { dictionary } = await import('@zxcvbn-ts/language-common');
  return new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
}

/**
 * The rules every new password meets, wherever it is set (sign-up, reset, change, CLI, admin API):
 * NIST SP 800-63B rev. 4. A minimum length, up to MAX_PASSWORD_LENGTH allowed, any Unicode
 * (normalised to NFKC, so the same password typed on another keyboard is the same), no composition
 * rules, and refused when it is common or breached, a repeated pattern or sequence, or made of the
 * person's own address. Each refusal names its rule.
 */
export class PasswordPolicy {
  readonly minLength: number;
  #common: Promise<CommonPasswords> | undefined;

  constructor({ minLength = 15 }: { minLength?: number } = {}) {
    this.minLength = minLength;
  }

  /** The password as it is hashed (NFKC), or a PasswordRejectedError naming the rule it breaks. */
  async accept(password: string, context: PasswordContext = {}): Promise<string> {
    const normalized = normalizePassword(password);
    const length = lengthOf(normalized);
    if (length < this.minLength) throw new PasswordRejectedError(`password must be at least ${this.minLength} characters (this one has ${length})`, pageText('password_policy.too_short', { min: this.minLength, length }));
    if (length > MAX_PASSWORD_LENGTH) throw new PasswordRejectedError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`, pageText('password_policy.too_long', { max: MAX_PASSWORD_LENGTH }));
    const lower = normalized.toLowerCase();
    this.#common ??= loadCommonPasswords();
    const common = await this.#common;
    const unit = repeatedUnit(lower);
    if (common.has(lower) || (unit !== undefined && common.has(unit))) {
      throw new PasswordRejectedError('password is in a list of common or breached passwords; choose another', pageText('password_policy.common'));
    }
    if (unit !== undefined && lengthOf(unit) <= 4) throw new PasswordRejectedError('password must not be a short pattern repeated (such as "aaaa…" or "abab…")', pageText('password_policy.repeated'));
    if (isSequence(lower)) throw new PasswordRejectedError('password must not be a sequence (such as "12345…" or "abcde…")', pageText('password_policy.sequence'));
    if (madeOfAddress(lower, context.email)) throw new PasswordRejectedError('password must not be made of your email address', pageText('password_policy.made_of_address'));
    return normalized;
  }
}

/** NFKC, as the policy stores it; sign-in compares the same form. */
export const normalizePassword = (password: string): string => password.normalize('NFKC');

/** The whole address, or its local part making up most of the password ("alice.smith" + "2026!"). */
function madeOfAddress(lower: string, email: string | undefined): boolean {
  if (!email) return false;
  const address = email.trim().toLowerCase();
  if (lower.includes(address)) return true;
  const local = address.split('@')[0] ?? '';
  return lengthOf(local) >= 4 && lower.includes(local) && lengthOf(local) * 2 > lengthOf(lower);
}
