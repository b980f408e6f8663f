/** Who the passkeys belong to, in WebAuthn's terms: derived from the issuer, never from a request. */
export interface RelyingParty {
  /** The RP ID: the issuer's host name (no port), so passkeys work on every port and path of it. */
  readonly id: string;
  /** The only origin a ceremony may come from: the issuer's. */
  readonly origin: string;
  /** What the authenticator shows next to the passkey. */
  readonly name: string;
}

export function relyingPartyOf(issuer: string, name = 'Portcullis'): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, origin: url.origin, name };
}
