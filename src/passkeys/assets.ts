import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import { VIEWS_DIR } from '../pages/views.ts';

/**
 * The browser scripts the passkey pages load, served from our own origin (the pages' CSP allows
 * `script-src 'self'` and nothing else): @simplewebauthn/browser's bundle and our own small script.
 */
const SOURCES = {
  // The package exports only its modules; its bundle sits beside them, in dist/bundle/.
  'webauthn.js': () => join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js'),
  'passkeys.js': () => join(VIEWS_DIR, 'assets/passkeys.js'),
} as const;

type AssetName = keyof typeof SOURCES;

interface Asset {
  readonly body: Buffer;
  readonly version: string;
}

const loaded = new Map<AssetName, Promise<Asset>>();

function asset(name: AssetName): Promise<Asset> {
  let found = loaded.get(name);
  if (!found) {
    found = readFile(SOURCES[name]()).then((body) => ({ body, version: createHash('sha256').update(body).digest('base64url').slice(0, 12) }));
    // A failed read is tried again next time rather than remembered.
    found.catch(() => loaded.delete(name));
    loaded.set(name, found);
  }
  return found;
}

/**
 * The `<script src>` of each passkey script, in load order. Each URL names its content's digest,
 * so the year-long cache below never serves an old script to a page of a newer release.
 */
export async function passkeyScripts(): Promise<string[]> {
  const names: AssetName[] = ['webauthn.js', 'passkeys.js'];
  return Promise.all(names.map(async (name) => `/assets/${name}?v=${(await asset(name)).version}`));
}

export function createAssetRouter(): Router {
  const router = new Router({ prefix: '/assets' });
  for (const name of Object.keys(SOURCES) as AssetName[]) {
    router.get(`/${name}`, async (ctx) => {
      const { body } = await asset(name);
      ctx.set({ 'cache-control': 'public, max-age=31536000, immutable', 'cross-origin-resource-policy': 'same-origin' });
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.body = body;
    });
  }
  return router;
}
