/**
 * A cookie's name with the prefix its attributes allow (RFC 6265bis 4.1.3): `__Host-` for a Secure
 * cookie on Path=/ without Domain, which no sibling subdomain can set or overwrite, `__Secure-` for a
 * Secure cookie on a narrower path. Over plain http (development) names stay bare: browsers refuse
 * prefixed cookies without Secure.
 */
export function prefixedCookieName(name: string, { secure, path }: { secure: boolean; path: string }): string {
  if (!secure) return name;
  return path === '/' ? `__Host-${name}` : `__Secure-${name}`;
}
