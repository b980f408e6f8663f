import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { unsafeJson } from '../http/json-safety.ts';

/** The largest admin request body: client metadata with many redirect URIs fits easily. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** Reads a JSON body: the media type must be JSON, the size bounded (413), the text valid JSON (400). */
export async function readJsonBody(ctx: Context, limit = MAX_ADMIN_BODY_BYTES): Promise<unknown> {
  const length = Number(ctx.get('content-length') || 0);
  if (length > limit) throw new AppError('payload_too_large', `request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req) {
    received += (chunk as Buffer).length;
    if (received > limit) throw new AppError('payload_too_large', `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (received === 0) return undefined;
  if (!ctx.is('application/json', 'application/merge-patch+json', 'application/*+json')) {
    throw new AppError('unsupported_media_type', 'request body must be application/json');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new AppError('invalid_request', 'request body is not valid JSON');
  }
  const problem = unsafeJson(parsed);
  if (problem) throw new AppError('invalid_input', problem);
  return parsed;
}
