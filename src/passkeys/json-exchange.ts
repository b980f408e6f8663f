import type { Context } from 'koa';
import { readJsonBody } from '../admin/json-body.ts';
import { expectedFailure } from '../errors/app-error.ts';
import type { InteractionPages } from '../interactions/pages.ts';
import { pageText, type Wording } from '../pages/page-text.ts';

/** A ceremony's answer (attestation or assertion) with a name: a few kilobytes; this bounds it. */
export const PASSKEY_BODY_LIMIT = 32 * 1024;

/** How the passkey endpoints answer the page's script: JSON, never cached. */
export function answerJson(ctx: Context, status: number, body: Record<string, unknown>, retryAfter?: number): void {
  ctx.set('cache-control', 'no-store');
  if (retryAfter) ctx.set('retry-after', String(retryAfter));
  ctx.status = status;
  ctx.body = body;
}

/** Puts a message into words in the request's language (InteractionPages.words). */
export type Wordsmith = Pick<InteractionPages, 'words'>;

/** The script's message for a person, in the one shape the script reads, in the request's language. */
export async function answerError(ctx: Context, pages: Wordsmith, status: number, message: Wording, retryAfter?: number): Promise<void> {
  answerJson(ctx, status, { error: await pages.words(ctx, message) }, retryAfter);
}

const NOT_UNDERSTOOD = pageText('passkeys.error.not_understood');

/** The JSON object posted, or undefined once the request has been answered with why not (413, 415, 400). */
export async function jsonObjectOf(ctx: Context, pages: Wordsmith): Promise<Record<string, unknown> | undefined> {
  let body: unknown;
  try {
    body = await readJsonBody(ctx, PASSKEY_BODY_LIMIT);
  } catch (error) {
    const expected = expectedFailure(error);
    if (!expected) throw error;
    await answerError(ctx, pages, expected.status, NOT_UNDERSTOOD);
    return undefined;
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  await answerError(ctx, pages, 400, NOT_UNDERSTOOD);
  return undefined;
}
