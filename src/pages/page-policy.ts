import { createHash } from 'node:crypto';

/** The Content-Security-Policy of every HTML page Portcullis serves: no script, no framing. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'";

/**
 * PAGE_CSP for a page that loads scripts of ours (the passkey pages): scripts only from our own
 * origin, never inline, and fetch only back to it; everything else as PAGE_CSP.
 */
export const PAGE_CSP_WITH_OWN_SCRIPTS = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`;

const INLINE_SCRIPT = /<script(?:\s[^>]*)?>([\s\S]*?)<\/script>/gi;

/**
 * PAGE_CSP for a page that carries inline scripts of its own (oidc-provider's form_post page
 * submits itself): exactly those scripts are allowed, by hash.
 */
export function pageCspFor(html: string): string {
  const hashes = [...html.matchAll(INLINE_SCRIPT)]
    .map(([, source]) => source ?? '')
    .filter((source) => source.trim() !== '')
    .map((source) => `'sha256-${createHash('sha256').update(source).digest('base64')}'`);
  return hashes.length === 0 ? PAGE_CSP : `${PAGE_CSP}; script-src ${hashes.join(' ')}`;
}
