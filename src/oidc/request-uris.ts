/** Client metadata (OIDC Registration 2, RFC 9101 section 9.2): the URLs a client may pass as `request_uri`. */
export const REQUEST_URIS = 'request_uris';

export const MAX_REQUEST_URIS = 10;
export const MAX_REQUEST_URI_LENGTH = 2000;

/** The URL without its fragment: OIDC Registration 2 lets a client change the fragment to say the content changed. */
export const withoutFragment = (uri: string): string => {
  const hash = uri.indexOf('#');
  return hash === -1 ? uri : uri.slice(0, hash);
};

/** Why `request_uris` cannot be registered as given, if it cannot. */
export function requestUrisProblem(value: unknown, { fapi2 }: { fapi2: boolean }): string | undefined {
  if (value === undefined) return undefined;
  if (fapi2) return `${REQUEST_URIS}: FAPI 2.0 requests are pushed (PAR), never fetched by reference`;
  if (!Array.isArray(value)) return `${REQUEST_URIS} must be an array of https URLs`;
  if (value.length > MAX_REQUEST_URIS) return `${REQUEST_URIS} may list at most ${MAX_REQUEST_URIS} URLs`;
  for (const entry of value) {
    if (typeof entry !== 'string' || entry.length > MAX_REQUEST_URI_LENGTH) return `${REQUEST_URIS} entries must be URLs of at most ${MAX_REQUEST_URI_LENGTH} characters`;
    const url = URL.parse(entry);
    if (url?.protocol !== 'https:') return `${REQUEST_URIS} entries must be https URLs`;
    if (url.username || url.password) return `${REQUEST_URIS} entries must not carry credentials`;
  }
  return undefined;
}

/** Whether the client registered this `request_uri`: the same URL, fragments aside. */
export function isRegisteredRequestUri(metadata: Record<string, unknown>, requestUri: string): boolean {
  const registered = metadata[REQUEST_URIS];
  if (!Array.isArray(registered)) return false;
  const wanted = withoutFragment(requestUri);
  return registered.some((entry) => typeof entry === 'string' && withoutFragment(entry) === wanted);
}
