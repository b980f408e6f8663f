import { isSafeText } from './safe-text.ts';

/** Deeper than any real metadata document; deep enough nesting overflows the stack of whoever walks it. */
export const MAX_JSON_DEPTH = 16;

/**
 * The first reason a parsed JSON body cannot be stored as it is: nesting deeper than `maxDepth`, or
 * a string (value or key) with control characters or invalid Unicode (PostgreSQL refuses NUL).
 * Undefined when it is fine. Iterative, so a hostile document cannot overflow the stack here.
 */
export function unsafeJson(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const pending: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  while (pending.length > 0) {
    const { value: current, depth, path } = pending.pop()!;
    if (typeof current === 'string') {
      if (!isSafeText(current)) return `${path || 'the body'} contains control characters or invalid Unicode`;
      continue;
    }
    if (!current || typeof current !== 'object') continue;
    if (depth >= maxDepth) return `${path || 'the body'} is nested more than ${maxDepth} levels deep`;
    for (const [key, child] of Object.entries(current)) {
      if (!isSafeText(key) || /[\t\n\r]/.test(key)) return `a field name under ${path || 'the body'} contains control characters`;
      pending.push({ value: child, depth: depth + 1, path: `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}` });
    }
  }
  return undefined;
}
