import type { Resource } from '../resources/resource-registry.ts';
import { allowedScopesOf } from './client-record.ts';

/**
 * The scopes a user's flow may grant a client: those its `scope` lists (the OpenID scopes without
 * one) and, for each API the request names that admits any client (`user_access: any-client`), that
 * API's scopes, which the user then consents to. Nothing for a client without metadata.
 */
export async function userFlowScopes(
  metadata: Record<string, unknown> | undefined,
  indicators: readonly string[],
  resources: { find(identifier: string): Promise<Resource | undefined> },
): Promise<ReadonlySet<string>> {
  if (!metadata) return new Set();
  const allowed = new Set(allowedScopesOf(metadata));
  for (const identifier of new Set(indicators)) {
    const resource = await resources.find(identifier);
    if (resource?.userAccess === 'any-client') for (const scope of resource.scopes) allowed.add(scope);
  }
  return allowed;
}

/** The `resource` values of a request's parameters (one or several, RFC 8707). */
export const resourceIndicatorsOf = (value: unknown): string[] => [value].flat().filter((entry): entry is string => typeof entry === 'string');
