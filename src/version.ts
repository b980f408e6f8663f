import { readFile } from 'node:fs/promises';

/** Name and version from package.json, read once. */
let manifest: Promise<{ name: string; version: string }> | undefined;

export function productManifest(): Promise<{ name: string; version: string }> {
  manifest ??= readFile(new URL('../package.json', import.meta.url), 'utf8').then((text) => JSON.parse(text) as { name: string; version: string });
  return manifest;
}
