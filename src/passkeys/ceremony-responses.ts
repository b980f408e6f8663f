import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

// Base64url of at most ~48 KB: far above any real attestation, below the body limit.
const base64url = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*$/);
const credentialId = base64url(1400).min(1);

const common = {
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};

const registrationResponse = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(48_000),
    authenticatorData: base64url(48_000).optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(8192).optional(),
  }),
});

const authenticationResponse = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(4096),
    userHandle: base64url(512).optional(),
  }),
});

/** The browser's answer to `navigator.credentials.create`, as @simplewebauthn/browser sends it; undefined when malformed. */
export function registrationResponseOf(value: unknown): RegistrationResponseJSON | undefined {
  const parsed = registrationResponse.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The browser's answer to `navigator.credentials.get`; undefined when malformed. */
export function authenticationResponseOf(value: unknown): AuthenticationResponseJSON | undefined {
  const parsed = authenticationResponse.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The challenge the browser says it signed (verification then proves it), to find what it was issued for. */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const clientData: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = (clientData as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' ? challenge : undefined;
  } catch {
    return undefined;
  }
}
