import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** `host` or `host:port` entries, comma-separated, as URL hosts are written (lower case, punycode, no default port). */
export function hostList(variable: string, value: string, problems: string[]): string[] {
  const hosts: string[] = [];
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const url = URL.parse(`https://${entry}/`);
    if (!url || url.username || url.password || url.pathname !== '/' || url.search || url.hash || /[/?#@\\]/.test(entry)) {
      problems.push(`${variable}: "${entry}" is not host or host:port`);
      continue;
    }
    hosts.push(url.host);
  }
  return hosts;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** OUTBOUND_CA_FILE: every certificate of a PEM bundle, each checked to parse; read once, at start. */
export function outboundCa(file: string | undefined, problems: string[]): { file: string; certificates: string[] } | undefined {
  if (file === undefined) return undefined;
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`OUTBOUND_CA_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    problems.push(`OUTBOUND_CA_FILE: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
  for (const [index, pem] of certificates.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      problems.push(`OUTBOUND_CA_FILE: certificate ${index + 1} in ${path} does not parse`);
      return undefined;
    }
  }
  return { file: path, certificates };
}
