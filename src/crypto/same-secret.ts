import { timingSafeEqual } from 'node:crypto';

/** Two secrets (tokens, hashes) compared in constant time for their length; bytes, not characters, are compared. */
export function sameSecret(a: string | Buffer, b: string | Buffer): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return left.length === right.length && timingSafeEqual(left, right);
}
