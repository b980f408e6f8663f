import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export interface Views {
  /** Renders `views/<name>.eta` inside the layout; every `<%= %>` value is HTML-escaped. */
  render(name: string, data: Record<string, unknown>): string;
}

export function createViews(dir = VIEWS_DIR, { cache = true } = {}): Views {
  const eta = new Eta({ views: dir, autoEscape: true, cache, autoTrim: false });
  return {
    render: (name, data) => eta.render(name, data),
  };
}
