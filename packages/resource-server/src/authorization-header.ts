/**
 * Extracts the access token from the `Authorization` request header
 * (RFC 6750 §2.1, RFC 9449 §7.1). The query string and body are never consulted.
 */
import { ResourceServerError, type AuthScheme } from './errors.ts';

/** token68 (RFC 9110 §11.2): what a Bearer / DPoP credential must look like. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

export interface Credentials {
  readonly scheme: AuthScheme;
  readonly token: string;
}

function missing(): ResourceServerError {
  return new ResourceServerError('invalid_token', 'access token required', { credentialsMissing: true });
}

function malformed(description: string): ResourceServerError {
  return new ResourceServerError('invalid_request', description);
}

function schemeOf(name: string): AuthScheme | undefined {
  if (name === 'Bearer') return 'Bearer';
  if (name === 'DPoP') return 'DPoP';
  const lower = name.toLowerCase();
  if (lower === 'bearer') return 'Bearer';
  if (lower === 'dpop') return 'DPoP';
  return undefined;
}

/**
 * Splits an `Authorization` header value into scheme and token. The token's
 * characters are not checked here (see {@link assertToken68}): callers do that
 * before using a token they have not already verified.
 * @throws {ResourceServerError} `invalid_token` with `credentialsMissing` when
 *   there is no Bearer / DPoP credential, `invalid_request` when the header is malformed.
 */
export function splitAuthorization(header: string | readonly string[] | undefined): Credentials {
  let value: string | undefined;
  if (typeof header === 'string') {
    value = header;
  } else if (header !== undefined) {
    if (header.length > 1) throw malformed('multiple Authorization headers');
    value = header[0];
  }
  if (value === undefined || value === '') throw missing();
  if (value.includes(',')) throw malformed('multiple credentials in the Authorization header');

  const space = value.indexOf(' ');
  if (space === -1) {
    if (schemeOf(value) !== undefined) throw malformed('empty access token');
    throw missing();
  }
  const scheme = schemeOf(value.slice(0, space));
  // Other schemes (Basic, …) carry no usable credential: challenge for one.
  if (scheme === undefined) throw missing();

  const token = value.slice(space + 1).trim();
  if (token === '') throw malformed('empty access token');
  return { scheme, token };
}

/** @throws {ResourceServerError} `invalid_request` unless `token` is token68 (one token, no spaces). */
export function assertToken68(token: string): void {
  if (!TOKEN68.test(token)) throw malformed('malformed Authorization header');
}

/** {@link splitAuthorization} plus {@link assertToken68}. */
export function parseAuthorization(header: string | readonly string[] | undefined): Credentials {
  const credentials = splitAuthorization(header);
  assertToken68(credentials.token);
  return credentials;
}
