import { fileURLToPath } from 'node:url';
import type { Eta } from 'eta';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export interface Views {
  /** Renders `views/<name>.eta` inside the layout; every `<%= %>` value is HTML-escaped. */
  render(name: string, data: Record<string, unknown>): Promise<string>;
}

/** The template engine is loaded on the first page rendered, not at start (idle memory). */
export function createViews(dir = VIEWS_DIR, { cache = true } = {}): Views {
  let engine: Promise<Eta> | undefined;
  const load = async () => {
    const { Eta } = await import('eta');
    return new Eta({ views: dir, autoEscape: true, cache, autoTrim: false });
  };
  return {
    async render(name, data) {
      engine ??= load();
      return (await engine).render(name, data);
    },
  };
}
