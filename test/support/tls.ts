import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import { request, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';

/** A self-signed P-256 certificate for localhost and 127.0.0.1, made with openssl in a temporary folder. */
export function selfSignedCertificate(commonName: string): { cert: string; key: string; certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-tls-'));
  const certFile = join(dir, `${commonName}.crt`);
  const keyFile = join(dir, `${commonName}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

export interface TlsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** The subject of the certificate the server presented. */
  readonly subject: string;
}

/** GET over https, trusting `ca` (the test's own certificates). */
export function httpsGet(url: string, ca: string[], options: RequestOptions = {}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { ca, agent: false, ...options }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, subject: (res.socket as TLSSocket).getPeerX509Certificate()?.subject ?? '' }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * One request over HTTP/2 (ALPN h2 only, so an HTTP/1.1-only server fails), trusting `ca`; the
 * answer in fetch's shape, so it can be a Browser's transport. `protocol` is what ALPN chose.
 */
export function http2Request(
  url: string,
  ca: string[],
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string | undefined } = {},
): Promise<{ status: number; headers: Headers; body: string; protocol: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const session = connect(target.origin, { ca, ALPNProtocols: ['h2'] });
    session.on('error', reject);
    const stream = session.request({ ':method': method, ':path': `${target.pathname}${target.search}`, ...headers });
    let text = '';
    let answer: IncomingHttpHeaders = {};
    stream.on('response', (received) => (answer = received));
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.on('end', () => {
      const protocol = session.alpnProtocol ?? '';
      session.close();
      const fetched = new Headers();
      for (const [name, value] of Object.entries(answer)) {
        if (name.startsWith(':') || value === undefined) continue;
        for (const one of ([] as string[]).concat(value)) fetched.append(name, one);
      }
      resolve({ status: Number(answer[':status']), headers: fetched, body: text, protocol });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}
