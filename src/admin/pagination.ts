import type { Context } from 'koa';
import { z } from 'zod';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../db/keyset.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** `?limit=&cursor=&count=`, shared by every list route. */
export const pageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe(`page size, at most ${MAX_PAGE_SIZE}`),
    cursor: z.string().max(512).optional().describe('opaque cursor from next_cursor of the previous page'),
    count: z.enum(['true', 'false']).optional().describe('true adds the total number of items'),
  })
  .strict();

export type PageQuery = z.output<typeof pageQuery>;

export const pageRequestOf = (query: PageQuery): PageRequest => ({ limit: query.limit, after: query.cursor ? decodeCursor(query.cursor) : undefined });

/** The list answer: `{items, next_cursor, total?}`, and an RFC 8288 `Link` to the next page. */
export async function listAnswer<T, U>(ctx: Context, query: PageQuery, page: Page<T>, toItem: (item: T) => U, total: () => Promise<number>) {
  const nextCursor = page.next ? encodeCursor(page.next) : null;
  const headers: Record<string, string> = {};
  if (nextCursor) {
    const next = new URL(ctx.href);
    next.searchParams.set('cursor', nextCursor);
    next.searchParams.set('limit', String(query.limit));
    headers.link = `<${next.pathname}${next.search}>; rel="next"`;
  }
  const body = { items: page.items.map(toItem), next_cursor: nextCursor, ...(query.count === 'true' ? { total: await total() } : {}) };
  return { status: 200, body, headers };
}

/** The documented shape of a list answer of `item`. */
export const listSchema = (item: z.ZodType) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable(), total: z.number().int().optional() });
