import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.ts';
import { AppError } from '../errors/app-error.ts';
import { SINGLE_USE_POLICY } from '../oidc/dynamic-registration.ts';
import type { OperationContext } from './operation-context.ts';

export const DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS = 24 * 60 * 60;
export const MAX_INITIAL_ACCESS_TOKEN_SECONDS = 30 * 24 * 60 * 60;

export interface InitialAccessToken {
  readonly token: string;
  readonly expires_at: string;
}

/** Initial access tokens for dynamic registration (RFC 7591 section 3): one registration each, shown once, stored hashed. */
export function registrationOperations(provider: () => Provider, audit: AuditLog, { mode }: { mode: 'off' | 'initial-access-token' | 'open' }) {
  return {
    async createInitialAccessToken(context: OperationContext, { expiresIn = DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS }: { expiresIn?: number } = {}): Promise<InitialAccessToken> {
      if (mode !== 'initial-access-token') {
        throw new AppError('conflict', `dynamic registration is "${mode}" (REGISTRATION): initial access tokens are used only in "initial-access-token" mode`);
      }
      if (!Number.isInteger(expiresIn) || expiresIn < 60 || expiresIn > MAX_INITIAL_ACCESS_TOKEN_SECONDS) {
        throw new AppError('invalid_input', `expires_in must be whole seconds from 60 to ${MAX_INITIAL_ACCESS_TOKEN_SECONDS}`, { fields: [{ pointer: '/expires_in', message: 'out of range' }] });
      }
      const { InitialAccessToken } = provider();
      const token = await new InitialAccessToken({ expiresIn, policies: [SINGLE_USE_POLICY] }).save();
      const expiresAt = new Date(Date.now() + expiresIn * 1000).toISOString();
      await audit.record({ ...context, action: 'initial_access_token.created', detail: { expires_at: expiresAt } });
      return { token, expires_at: expiresAt };
    },
  };
}

export type RegistrationOperations = ReturnType<typeof registrationOperations>;
