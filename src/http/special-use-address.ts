import { isIP } from 'node:net';
import { isSpecialUseIP } from 'oidc-provider/lib/helpers/fetch_request.js';

/** The IPv4 address an IPv4-mapped IPv6 one carries (`::ffff:a.b.c.d`, in either notation), if any. */
function mappedIpv4(address: string): string | undefined {
  // The URL parser writes IPv6 in one canonical form: lower case, compressed, the IPv4 part in hex.
  const canonical = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!hex) return undefined;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * Whether an IP address is special-use (loopback, private, link-local, ...: IANA's special-purpose
 * registries, as oidc-provider's own SSRF guard reads them), an IPv4-mapped IPv6 address included,
 * which that check knows only in dotted form. Host names are not addresses: false.
 */
export function isSpecialUseAddress(address: string): boolean {
  const plain = address.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(plain);
  if (family === 0) return false;
  if (isSpecialUseIP(plain)) return true;
  const mapped = family === 6 ? mappedIpv4(plain) : undefined;
  return mapped !== undefined && isSpecialUseIP(mapped);
}
