import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * One HTTP request with exactly the headers given (Host included, which fetch will not send) and,
 * optionally, from a chosen loopback address (any 127.x.y.z works on Linux).
 */
export function rawRequest(
  url: string,
  {
    method = 'GET',
    headers = {},
    body,
    localAddress,
    target: requestTarget,
  }: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string; /** Sent as the request target instead of url's path (e.g. absolute-form). */ target?: string } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: target.hostname, port: target.port, path: requestTarget ?? `${target.pathname}${target.search}`, method, headers, ...(localAddress ? { localAddress } : {}) },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }));
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
