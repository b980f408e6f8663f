import { AppError } from '../errors/app-error.ts';
import { isSafeIdentifier } from '../http/safe-text.ts';

/** Where a page starts: after the row with this creation time and key (the sort is createdAt, then key). */
export interface KeysetPosition {
  readonly createdAt: Date;
  readonly key: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly after?: KeysetPosition | undefined;
}

export interface Page<T> {
  readonly items: T[];
  /** Where the next page starts; undefined on the last page. */
  readonly next: KeysetPosition | undefined;
}

/** An opaque cursor for a position: base64url of JSON, so callers cannot depend on its shape. */
export const encodeCursor = (position: KeysetPosition): string =>
  Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.key])).toString('base64url');

export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const [createdAt, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(createdAt));
    const year = date.getUTCFullYear();
    if (isSafeIdentifier(key) && typeof createdAt === 'string' && year >= 2000 && year <= 9999) return { createdAt: date, key };
  } catch {
    // fall through: any malformed cursor is the same client error
  }
  throw new AppError('invalid_input', 'cursor is not one this API returned', { fields: [{ pointer: '/cursor', message: 'invalid cursor' }] });
}

/**
 * Prisma `where` for the rows after `after` in (createdAt, key) order. The redundant
 * `createdAt >= after` lets PostgreSQL start the (createdAt, key) index scan at the position
 * rather than filter from the first row, so a deep page costs what the first one does.
 */
export function afterPosition<K extends string>(keyField: K, after: KeysetPosition | undefined): Record<string, unknown> {
  if (!after) return {};
  return { createdAt: { gte: after.createdAt }, OR: [{ createdAt: { gt: after.createdAt } }, { [keyField]: { gt: after.key } }] };
}

/** Splits `limit + 1` fetched rows into a page and the position after it. */
export function toPage<T>(rows: T[], limit: number, positionOf: (row: T) => KeysetPosition): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? positionOf(last) : undefined };
}
