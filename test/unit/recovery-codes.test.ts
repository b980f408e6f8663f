import { createHash } from 'node:crypto';
import { newRecoveryCodes, normalizeRecoveryCode, RECOVERY_CODE_COUNT, recoveryCodeHash } from '../../src/mfa/recovery-codes.ts';

describe('recovery codes', () => {
  test('ten distinct codes shaped xxxxx-xxxxx, without letters that read as others (i, l, o, u)', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  });

  test('codes are random: thousands of them never repeat and use the whole alphabet', () => {
    const codes = Array.from({ length: 400 }, () => newRecoveryCodes()).flat();
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(codes.join('').replace(/-/g, '')).size).toBe(32);
  });

  test('case, spaces, dashes and look-alike letters do not matter when a code is typed', () => {
    const [code] = newRecoveryCodes(1) as [string];
    const normalized = code.replace('-', '');
    expect(normalizeRecoveryCode(code)).toBe(normalized);
    expect(normalizeRecoveryCode(` ${code.toUpperCase()} `)).toBe(normalized);
    expect(normalizeRecoveryCode(`${normalized.slice(0, 3)} ${normalized.slice(3)}`)).toBe(normalized);
    expect(normalizeRecoveryCode('O1I2L-34567')).toBe('0112134567');
  });

  test('anything that cannot be a code is refused before any lookup', () => {
    for (const typed of ['', '123456', 'abcde-abcd', 'abcde-abcdef', 'abcde-abcd!', 'ab\u00e7de-abcde', 'uuuuu-uuuuu']) {
      expect(normalizeRecoveryCode(typed)).toBeNull();
      expect(recoveryCodeHash('account-1', typed)).toBeNull();
    }
  });

  test('stored as SHA-256 of the account and the normalized code: the same code hashes differently for two accounts', () => {
    const hash = recoveryCodeHash('account-1', 'ABCDE-FGH23');
    expect(hash).toBe(createHash('sha256').update('account-1:abcdefgh23').digest('hex'));
    expect(recoveryCodeHash('account-1', 'abcde fgh23')).toBe(hash);
    expect(recoveryCodeHash('account-2', 'abcde-fgh23')).not.toBe(hash);
  });
});
