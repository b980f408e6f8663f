import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors/app-error.ts';

export class BodyTooLargeError extends AppError {
  override name = 'BodyTooLargeError';
  constructor(message: string) {
    super('payload_too_large', message);
  }
}

/**
 * Reads a request body up to `limit` bytes, then leaves the request looking unread to whoever
 * parses it next (oidc-provider reads `req` itself), so the body can be checked before the provider
 * sees it without buffering it twice.
 */
export async function readAndReplayBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new BodyTooLargeError(`request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let received = 0;
  // Not destroyed on an early stop: the socket must stay open for the refusal.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > limit) throw new BodyTooLargeError(`request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks, received);
  replayBody(req, body);
  return body;
}

/** Makes `body` what the next reader of `req` gets (after `readAndReplayBody`, to change it). */
export function replayBody(req: IncomingMessage, body: Buffer): void {
  req.headers['content-length'] = String(body.length);
  delete req.headers['transfer-encoding'];
  Object.defineProperty(req, 'readable', { value: true, configurable: true });
  Object.defineProperty(req, 'readableEncoding', { value: null, configurable: true });
  Object.defineProperty(req, 'iterator', {
    configurable: true,
    value: () =>
      (async function* replay() {
        yield body;
      })(),
  });
}
