import type { Context } from 'koa';
import { readJsonBody } from '../admin/json-body.ts';
import { expectedFailure } from '../errors/app-error.ts';

/** A ceremony's answer (attestation or assertion) with a name: a few kilobytes; this bounds it. */
export const PASSKEY_BODY_LIMIT = 32 * 1024;

/** How the passkey endpoints answer the page's script: JSON, never cached. */
export function answerJson(ctx: Context, status: number, body: Record<string, unknown>, retryAfter?: number): void {
  ctx.set('cache-control', 'no-store');
  if (retryAfter) ctx.set('retry-after', String(retryAfter));
  ctx.status = status;
  ctx.body = body;
}

/** The script's message for a person, in the one shape the script reads. */
export const answerError = (ctx: Context, status: number, message: string, retryAfter?: number): void => answerJson(ctx, status, { error: message }, retryAfter);

/** The JSON object posted, or undefined once the request has been answered with why not (413, 415, 400). */
export async function jsonObjectOf(ctx: Context): Promise<Record<string, unknown> | undefined> {
  let body: unknown;
  try {
    body = await readJsonBody(ctx, PASSKEY_BODY_LIMIT);
  } catch (error) {
    const expected = expectedFailure(error);
    if (!expected) throw error;
    answerError(ctx, expected.status, 'The request was not understood. Reload the page and try again.');
    return undefined;
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  answerError(ctx, 400, 'The request was not understood. Reload the page and try again.');
  return undefined;
}
