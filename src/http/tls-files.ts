import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** PEM certificate chain and key, checked by building a secure context from them (a mismatched pair throws). */
export function readTlsFiles({ certFile, keyFile }: TlsFiles): Pick<SecureContextOptions, 'cert' | 'key'> {
  const material = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  createSecureContext(material);
  return material;
}

/**
 * Calls `reload` with the new pair whenever either file changes (polled every 2 s, which also sees a
 * file replaced by a rename, as certbot and Kubernetes secrets do). A pair that does not load (half
 * written, mismatched) is reported and the one in use stays. Returns a function that stops watching.
 */
export function watchTlsFiles(files: TlsFiles, reload: (material: Pick<SecureContextOptions, 'cert' | 'key'>) => void, onError: (error: Error) => void): () => void {
  const changed = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (current.mtimeMs === previous.mtimeMs) return;
    try {
      reload(readTlsFiles(files));
    } catch (error) {
      onError(error as Error);
    }
  };
  for (const file of [files.certFile, files.keyFile]) watchFile(file, { interval: 2000, persistent: false }, changed);
  return () => {
    for (const file of [files.certFile, files.keyFile]) unwatchFile(file, changed);
  };
}
