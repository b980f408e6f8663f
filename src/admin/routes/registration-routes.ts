import { z } from 'zod';
import { MAX_INITIAL_ACCESS_TOKEN_SECONDS, type RegistrationOperations } from '../../management/registration-operations.ts';
import { defineRoute, type AdminRoute } from '../admin-route.ts';

export function registrationRoutes(registration: RegistrationOperations): AdminRoute[] {
  return [
    defineRoute({
      method: 'POST', path: '/admin/v1/initial-access-tokens', operationId: 'createInitialAccessToken', summary: 'An initial access token for one dynamic registration (RFC 7591), shown once', group: 'registration', access: 'write',
      body: z.object({ expires_in: z.number().int().min(60).max(MAX_INITIAL_ACCESS_TOKEN_SECONDS).optional().describe('seconds, default one day') }).strict().optional(),
      responses: { 201: { description: 'the token', schema: z.object({ token: z.string(), expires_at: z.string() }) }, 409: { description: 'REGISTRATION is not initial-access-token' } },
      handle: async ({ body, operation }) => ({ status: 201, body: await registration.createInitialAccessToken(operation, { expiresIn: body?.expires_in }) }),
    }),
  ];
}
