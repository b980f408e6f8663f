import { createHash, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32 in lower case: no i, l, o or u, so that nothing reads as something else.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const GROUP_LENGTH = 5;
const CODE_LENGTH = 2 * GROUP_LENGTH;
const NORMALIZED_SHAPE = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`);

/** One code: 10 random base32 characters (50 bits), shown as `xxxxx-xxxxx`. */
function newRecoveryCode(): string {
  const characters = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${characters.slice(0, GROUP_LENGTH)}-${characters.slice(GROUP_LENGTH)}`;
}

/** `count` distinct new codes, as shown to the person (once). */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(newRecoveryCode());
  return [...codes];
}

/**
 * A typed code as it is compared: case, spaces and dashes do not matter, and the letters that look
 * like digits (i, l, o) are read as those digits. Null when it cannot be a recovery code.
 */
export function normalizeRecoveryCode(typed: string): string | null {
  const normalized = typed.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  return NORMALIZED_SHAPE.test(normalized) ? normalized : null;
}

/** What is stored of a code: SHA-256 (hex) of the account and the normalized code, so equal codes of two accounts differ. */
export function recoveryCodeHash(accountId: string, code: string): string | null {
  const normalized = normalizeRecoveryCode(code);
  return normalized === null ? null : createHash('sha256').update(`${accountId}:${normalized}`).digest('hex');
}
