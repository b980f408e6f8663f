import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The embedded database is one process's: a second one must go through that process instead. */
export class EmbeddedDatabaseBusyError extends Error {
  override readonly name = 'EmbeddedDatabaseBusyError';
  readonly pid: number;
  constructor(pid: number) {
    super(`the embedded database is in use by process ${pid}`);
    this.pid = pid;
  }
}

export interface EmbeddedLock {
  release(): Promise<void>;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export const lockPath = (dataDir: string): string => join(dataDir, 'portcullis.lock');

/** Takes the data folder's lock file, replacing one left behind by a process that no longer runs. */
export async function acquireEmbeddedLock(dataDir: string): Promise<EmbeddedLock> {
  // The folder holds private signing keys and client secrets: only this OS user may enter it.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const path = lockPath(dataDir);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    // Written whole under another name, then linked into place: nobody can read a lock without its pid.
    const draft = `${path}.${process.pid}.${randomUUID()}`;
    await writeFile(draft, String(process.pid), { mode: 0o600 });
    try {
      await link(draft, path);
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await embeddedLockHolder(dataDir);
      if (holder !== undefined) throw new EmbeddedDatabaseBusyError(holder);
      await rm(path, { force: true });
    } finally {
      await rm(draft, { force: true });
    }
  }
  throw new Error(`could not lock ${path}`);
}

/** The pid of a live process holding the data folder's lock, if any. */
export async function embeddedLockHolder(dataDir: string): Promise<number | undefined> {
  const holder = Number((await readFile(lockPath(dataDir), 'utf8').catch(() => '')).trim());
  return Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder) ? holder : undefined;
}
