import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Account } from '../../accounts/account-repository.ts';
import type { UserOperations } from '../../management/user-operations.ts';
import { defineRoute, noContent, type AdminRoute } from '../admin-route.ts';
import { listAnswer, listSchema, pageQuery, pageRequestOf } from '../pagination.ts';
import { safeString } from '../safe-string.ts';

const user = z.object({ id: z.string(), email: z.string(), name: z.string().nullable(), email_verified: z.boolean(), disabled: z.boolean(), created_at: z.string(), updated_at: z.string() });
const toUser = (account: Account): z.output<typeof user> => ({
  id: account.id,
  email: account.email,
  name: account.name,
  email_verified: account.emailVerified,
  disabled: account.disabled,
  created_at: account.createdAt.toISOString(),
  updated_at: account.updatedAt.toISOString(),
});
const userPath = z.object({ id: safeString(320).describe('account id (or email)') }).strict();
const notFound = { 404: { description: 'no such user' } };

export function userRoutes(users: UserOperations): AdminRoute[] {
  return [
    defineRoute({
      method: 'POST', path: '/admin/v1/users', operationId: 'createUser', summary: 'Create an account', group: 'users', access: 'write',
      body: z
        .object({
          email: z.string(),
          password: z.string().optional().describe('without one, the account cannot sign in until a password is set'),
          name: z.string().optional(),
          email_verified: z.boolean().optional(),
        })
        .strict(),
      responses: { 201: { description: 'created', schema: user }, 409: { description: 'an account with this email exists' } },
      async handle({ body, operation }) {
        // No password given: a random one nobody knows, so the account exists but cannot sign in yet.
        const password = body.password ?? randomBytes(32).toString('base64url');
        const account = await users.create(operation, { email: body.email, password, name: body.name, emailVerified: body.email_verified });
        return { status: 201, body: toUser(account), headers: { location: `/admin/v1/users/${account.id}` } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/admin/v1/users', operationId: 'listUsers', summary: 'List accounts (oldest first); ?email= finds one', group: 'users', access: 'read',
      query: pageQuery.extend({ email: safeString(320).optional().describe('exact email address') }),
      responses: { 200: { description: 'a page of accounts', schema: listSchema(user) } },
      handle: async ({ ctx, query }) => listAnswer(ctx, query, await users.page(pageRequestOf(query), { email: query.email }), toUser, () => users.count({ email: query.email })),
    }),
    defineRoute({
      method: 'GET', path: '/admin/v1/users/{id}', operationId: 'getUser', summary: 'Read an account (never its password hash)', group: 'users', access: 'read',
      params: userPath,
      responses: { 200: { description: 'the account', schema: user }, ...notFound },
      handle: async ({ params }) => ({ status: 200, body: toUser(await users.show(params.id)) }),
    }),
    defineRoute({
      method: 'PATCH', path: '/admin/v1/users/{id}', operationId: 'updateUser', summary: 'Change an account: a new password or disabling ends every session and grant', group: 'users', access: 'write',
      params: userPath, bodyType: 'application/merge-patch+json',
      body: z.object({ disabled: z.boolean().optional(), name: z.string().nullable().optional(), email_verified: z.boolean().optional(), password: z.string().optional() }).strict(),
      responses: { 200: { description: 'the changed account', schema: user }, ...notFound },
      async handle({ params, body, operation }) {
        const changes = {
          ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.email_verified !== undefined ? { emailVerified: body.email_verified } : {}),
          ...(body.password !== undefined ? { password: body.password } : {}),
        };
        return { status: 200, body: toUser(await users.update(operation, params.id, changes)) };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/admin/v1/users/{id}', operationId: 'deleteUser', summary: 'Delete an account after ending everything it was issued', group: 'users', access: 'write',
      params: userPath,
      responses: { 204: { description: 'deleted' }, ...notFound },
      handle: ({ params, operation }) => noContent(users.delete(operation, params.id)),
    }),
    defineRoute({
      method: 'DELETE', path: '/admin/v1/users/{id}/sessions', operationId: 'signOutUser', summary: 'Sign the user out everywhere (prompt=none then answers login_required)', group: 'users', access: 'write',
      params: userPath,
      responses: { 204: { description: 'signed out' }, ...notFound },
      handle: ({ params, operation }) => noContent(users.signOut(operation, params.id)),
    }),
    defineRoute({
      method: 'DELETE', path: '/admin/v1/users/{id}/grants', operationId: 'revokeUserGrants', summary: "Revoke every grant of the user: its refresh tokens and opaque access tokens die", group: 'users', access: 'write',
      params: userPath,
      responses: { 204: { description: 'revoked' }, ...notFound },
      handle: ({ params, operation }) => noContent(users.revokeGrants(operation, params.id)),
    }),
    defineRoute({
      method: 'DELETE', path: '/admin/v1/users/{id}/second-factors', operationId: 'resetUserSecondFactors', summary: 'For a person who lost their authenticator: remove their TOTP (and recovery codes) and passkeys, and sign them out everywhere; the password stays', group: 'users', access: 'write',
      params: userPath,
      responses: { 204: { description: 'removed' }, ...notFound },
      handle: ({ params, operation }) => noContent(users.resetSecondFactors(operation, params.id)),
    }),
  ];
}
