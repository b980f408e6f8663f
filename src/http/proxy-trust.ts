import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** Which peers may speak for the client through X-Forwarded-For / X-Forwarded-Proto. */
export interface ProxyTrust {
  /** The configuration as given, for logs and errors. */
  readonly description: string;
  trusts(address: string): boolean;
}

/** `TRUST_PROXY=true`: loopback and the private ranges (development; production names its proxies). */
export const PRIVATE_RANGES = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fc00::/7', 'fe80::/10'];

const unmapped = (address: string): string => (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address);

export const NO_PROXY: ProxyTrust = { description: 'none', trusts: () => false };

/**
 * Parses a list of addresses and CIDRs (`10.0.0.5, 10.1.0.0/16, ::1`). Returns the problems found
 * instead when an entry is neither.
 */
export function parseProxyList(entries: readonly string[]): ProxyTrust | { problems: string[] } {
  const list = new BlockList();
  const problems: string[] = [];
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (family === 0 || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
      problems.push(`"${entry}" is not an IP address or CIDR range`);
      continue;
    }
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  if (problems.length > 0) return { problems };
  return {
    description: entries.join(', '),
    trusts(address) {
      const plain = unmapped(address);
      const family = isIP(plain);
      return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

const forwardedFor = (req: IncomingMessage): string[] => {
  const header = req.headers['x-forwarded-for'];
  const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
  return joined.split(',').map((hop) => hop.trim()).filter(Boolean);
};

/**
 * The client's address: the peer, unless the peer is a trusted proxy, in which case the
 * X-Forwarded-For chain is walked from the right past every trusted hop (entries further left are
 * whatever the client claimed).
 */
export function clientAddressOf(req: IncomingMessage, trust: ProxyTrust): string {
  let address = unmapped(req.socket.remoteAddress ?? '');
  if (!trust.trusts(address)) return address;
  const hops = forwardedFor(req);
  while (hops.length > 0 && trust.trusts(address)) {
    const next = unmapped(hops.pop()!);
    if (isIP(next) === 0) break;
    address = next;
  }
  return address;
}

/** Whether the request reached us over TLS: directly never (we serve plain http), or as a trusted proxy says. */
export function arrivedOverHttps(req: IncomingMessage, trust: ProxyTrust): boolean {
  // Our own TLS listener (TLS_CERT_FILE): the connection itself is encrypted.
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  if (!trust.trusts(unmapped(req.socket.remoteAddress ?? ''))) return false;
  // The last value is what the trusted proxy nearest to us said; earlier ones may be the client's.
  const proto = req.headers['x-forwarded-proto'];
  const last = (Array.isArray(proto) ? proto.join(',') : proto)?.split(',').pop()?.trim().toLowerCase();
  return last === 'https';
}
