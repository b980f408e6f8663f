import type { IncomingMessage } from 'node:http';

// oidc-provider drops every non-OpenID scope from a token request that names no `resource`
// before any hook runs, so the gateway keeps the scope as the client sent it.
const asSent = new WeakMap<IncomingMessage, string>();

export const rememberRequestedScope = (req: IncomingMessage, scope: string): void => void asSent.set(req, scope);

/** The `scope` of this token request as the client sent it, when the gateway saw one. */
export const requestedScopeOf = (req: IncomingMessage): string | undefined => asSent.get(req);
