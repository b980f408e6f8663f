import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** How a sealed value is stored: AES-256-GCM under a key derived from KEY_ENCRYPTION_KEY. */
export interface SealedValue {
  readonly sealed: 'A256GCM';
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

export class KeyEncryptionError extends Error {
  override readonly name = 'KeyEncryptionError';
}

export const isSealed = (value: unknown): value is SealedValue =>
  typeof value === 'object' && value !== null && (value as { sealed?: unknown }).sealed === 'A256GCM';

/** Encrypts secrets kept in the database (private signing keys, generated cookie keys) at rest. */
export interface KeySealer {
  seal(plaintext: string): SealedValue;
  open(sealed: SealedValue): string;
}

/**
 * A sealer keyed by KEY_ENCRYPTION_KEY (any string of at least 32 characters; HKDF turns it into an
 * AES-256 key, so a passphrase-like value and 32 random bytes in base64url both work).
 */
export function createKeySealer(keyEncryptionKey: string): KeySealer {
  const key = Buffer.from(hkdfSync('sha256', keyEncryptionKey, 'portcullis', 'key-encryption-key v1', 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { sealed: 'A256GCM', iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), ciphertext: ciphertext.toString('base64url') };
    },
    open(sealed) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new KeyEncryptionError('KEY_ENCRYPTION_KEY does not decrypt the stored keys (was it changed?)', { cause });
      }
    },
  };
}

/** Reads a stored value that may be sealed; refuses sealed values when no key is configured. */
export function openStored(stored: unknown, sealer: KeySealer | undefined): string {
  if (!isSealed(stored)) return typeof stored === 'string' ? stored : JSON.stringify(stored);
  if (!sealer) throw new KeyEncryptionError('stored keys are encrypted: set KEY_ENCRYPTION_KEY to the key they were sealed with');
  return sealer.open(stored);
}
