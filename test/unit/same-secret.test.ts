import { sameSecret } from '../../src/crypto/same-secret.ts';

describe('sameSecret', () => {
  test('equal secrets match, different ones do not', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret(Buffer.from([1, 2]), Buffer.from([1, 2]))).toBe(true);
  });

  test('strings of one length in characters but not in bytes are a mismatch, not a thrown RangeError', () => {
    expect(() => sameSecret('é', 'e')).not.toThrow();
    expect(sameSecret('é', 'e')).toBe(false);
    expect(sameSecret('€€', 'abcdef')).toBe(false);
  });
});
