import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** A keep-alive agent for one driver; `maxSockets` bounds the connections it opens. */
export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const TIMEOUT_MS = 30_000;

/** One HTTP/1.1 request over `agent`, never following redirects; the body is read as UTF-8. */
export function send(
  agent: Agent,
  url: URL,
  options: { method?: string; headers?: Record<string, string>; body?: string | undefined } = {},
): Promise<HttpResponse> {
  const method = options.method ?? 'GET';
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { agent, method, headers: { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${TIMEOUT_MS} ms: ${method} ${url.pathname}`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const basicAuth = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

/**
 * Just enough of a browser cookie jar for one host: honours Path (the interaction pages scope their
 * CSRF and resume cookies to one interaction) and deletion (Max-Age=0 or an expiry in the past).
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  store(headers: IncomingHttpHeaders): void {
    for (const line of headers['set-cookie'] ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', raw = ''] = attribute.split('=', 2).map((part) => part.trim());
        const lower = key.toLowerCase();
        if (lower === 'path' && raw.startsWith('/')) path = raw;
        else if (lower === 'max-age' && Number(raw) <= 0) expired = true;
        else if (lower === 'expires' && Date.parse(raw) <= Date.now()) expired = true;
      }
      const key = `${name}\u0000${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path });
    }
  }

  /** The Cookie header for a request to `pathname`, most specific path first (as browsers do). */
  header(pathname: string): string | undefined {
    const matching = [...this.#cookies.values()]
      .filter((cookie) => pathname === cookie.path || pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') : undefined;
  }
}
