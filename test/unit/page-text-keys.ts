import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC_DIR = fileURLToPath(new URL('../../src/', import.meta.url));

/** `pageText(` calls; a literal key is `pageText('key'`. */
export const PAGE_TEXT_CALL = /\bpageText\(/g;
export const LITERAL_PAGE_TEXT = /\bpageText\(\s*'([^']+)'/g;

/** Every .ts file under src/ (not the generated Prisma client), by its path under src/. */
export async function sourceFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(SRC_DIR, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && entry.name.endsWith('.ts') && !relative(SRC_DIR, path).startsWith('generated')) files.set(relative(SRC_DIR, path), await readFile(path, 'utf8'));
  }
  return files;
}

/** Each literal key given to pageText in src/, with the files that use it. */
export async function pageTextKeysInSource(): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>();
  for (const [file, text] of await sourceFiles())
    for (const [, key] of text.matchAll(LITERAL_PAGE_TEXT)) keys.set(key!, [...(keys.get(key!) ?? []), file]);
  return keys;
}
