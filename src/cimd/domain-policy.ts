/**
 * CLIENT_ID_METADATA_DOCUMENT_DOMAINS: which hosts may publish client ID metadata documents.
 * `any` (every host); or comma-separated entries, each `example.com` (that host), `*.example.org`
 * (its subdomains, not itself) or either with `!` in front (refused). With any allowing entry,
 * only the hosts it names are accepted; `!` entries win over everything.
 */
export interface DomainPolicy {
  /** undefined: any host (less the denied ones). */
  readonly allow: readonly string[] | undefined;
  readonly deny: readonly string[];
}

export const ANY_DOMAIN: DomainPolicy = { allow: undefined, deny: [] };

const SYNTAX = 'any, or entries such as example.com, *.example.org, !bad.example';

/** A host name or `*.`host, lower case and punycode as URL host names are; undefined when it is neither. */
function normalizedPattern(entry: string): string | undefined {
  const wildcard = entry.startsWith('*.');
  const host = wildcard ? entry.slice(2) : entry;
  if (host === '' || /[\s/?#@:*\\]/.test(host.replace(/^\[[0-9a-f:.]+\]$/i, ''))) return undefined;
  try {
    const { hostname } = new URL(`https://${host}/`);
    return hostname === '' ? undefined : `${wildcard ? '*.' : ''}${hostname}`;
  } catch {
    return undefined;
  }
}

export function parseDomainPolicy(value: string): { policy: DomainPolicy } | { problems: string[] } {
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const problems: string[] = [];
  const allow: string[] = [];
  const deny: string[] = [];
  let any = false;
  for (const entry of entries) {
    if (entry.toLowerCase() === 'any') {
      any = true;
      continue;
    }
    const denied = entry.startsWith('!');
    const pattern = normalizedPattern(denied ? entry.slice(1).trim() : entry);
    if (!pattern) problems.push(`"${entry}" is not a host name (${SYNTAX})`);
    else (denied ? deny : allow).push(pattern);
  }
  if (any && allow.length > 0) problems.push(`"any" cannot be combined with allowed hosts (${allow.join(', ')}): list the hosts, or any with ! entries`);
  if (entries.length === 0) problems.push(`empty (${SYNTAX})`);
  if (problems.length > 0) return { problems };
  return { policy: { allow: allow.length > 0 ? allow : undefined, deny } };
}

const matches = (pattern: string, hostname: string): boolean => (pattern.startsWith('*.') ? hostname.endsWith(pattern.slice(1)) : hostname === pattern);

/**
 * Whether a document at `hostname` (a URL's, lower case) may be used. A fully qualified name's
 * trailing dot (`evil.example.`) names the same host, so it is matched without it.
 */
export function domainAllowed(policy: DomainPolicy, hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.+$/, '');
  if (policy.deny.some((pattern) => matches(pattern, host))) return false;
  return policy.allow === undefined || policy.allow.some((pattern) => matches(pattern, host));
}

