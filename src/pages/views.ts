import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Eta } from 'eta';
import type { Branding } from '../config/config.ts';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export interface Views {
  /** Renders `views/<name>.eta` inside the layout; every `<%= %>` value is HTML-escaped. */
  render(name: string, data: Record<string, unknown>): Promise<string>;
}

export const DEFAULT_BRANDING: Branding = { productName: 'Portcullis', logoUrl: undefined, accentColor: '#3b5bdb', supportUrl: undefined };

export interface ViewOptions {
  readonly cache?: boolean;
  /** A folder whose templates replace ours of the same relative name (layout.eta, login.eta, mail/…). */
  readonly overrideDir?: string | undefined;
  /** Given to every template as `it.brand`. */
  readonly brand?: Branding;
}

/** Paths resolve inside `dir` as usual; a file of the same relative name in `overrideDir` is read instead. */
export function readingOverrides(eta: Eta, dir: string, overrideDir: string | undefined): Eta {
  if (!overrideDir) return eta;
  const ownRead = eta.readFile;
  eta.readFile = (path: string) => {
    const replacement = join(overrideDir, relative(dir, path));
    return existsSync(replacement) ? readFileSync(replacement, 'utf8') : ownRead.call(eta, path);
  };
  return eta;
}

/** The template engine is loaded on the first page rendered, not at start (idle memory). */
export function createViews(dir = VIEWS_DIR, { cache = true, overrideDir, brand = DEFAULT_BRANDING }: ViewOptions = {}): Views {
  let engine: Promise<Eta> | undefined;
  const load = async () => {
    const { Eta } = await import('eta');
    return readingOverrides(new Eta({ views: dir, autoEscape: true, cache, autoTrim: false }), dir, overrideDir);
  };
  return {
    async render(name, data) {
      engine ??= load();
      return (await engine).render(name, { brand, ...data });
    },
  };
}
