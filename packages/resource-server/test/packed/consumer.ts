// A TypeScript user of the published package: test/pack.test.ts type-checks this file against
// the tarball's .d.ts files, with Express's and Fastify's own types. The expect-error lines
// fail the check if a type silently became `any` (an import in a .d.ts that does not resolve).
import type { IncomingMessage } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import {
  createRedisReplayStore,
  createResourceServer,
  ResourceServerError,
  type AuthInfo,
  type ProtectedResourceMetadata,
  type ReplayStore,
} from '@portcullis/resource-server';
import * as expressAdapter from '@portcullis/resource-server/express';
import * as fastifyAdapter from '@portcullis/resource-server/fastify';
import * as nodeAdapter from '@portcullis/resource-server/node';

const store: ReplayStore = createRedisReplayStore({ set: async () => 'OK' });
const rs = createResourceServer({
  issuer: 'https://auth.example.com',
  audience: 'https://api.example.com',
  publicUrl: 'https://api.example.com',
  dpopReplayStore: store,
});
const metadata: ProtectedResourceMetadata | undefined = rs.resourceMetadata;

const app = express();
app.use(expressAdapter.protectedResourceMetadata(rs));
app.get('/orders', expressAdapter.requireAuth(rs, 'orders:read'), (req, res) => {
  const auth: AuthInfo = expressAdapter.authOf(req);
  res.json({ sub: auth.sub, metadata });
});

const fastify = Fastify();
void fastify.register(fastifyAdapter.protectedResourceMetadata(rs));
fastify.get(
  '/orders',
  { preHandler: fastifyAdapter.requireAuth(rs, 'orders:read') },
  async (request) => fastifyAdapter.authOf(request).scopes,
);

export const handler = nodeAdapter.protectedResourceMetadata(rs);
export async function check(): Promise<string | undefined> {
  try {
    return (await rs.verifyRequest({ method: 'GET', url: '/', headers: {} })).clientId;
  } catch (error) {
    if (error instanceof ResourceServerError) return error.wwwAuthenticate;
    throw error;
  }
}

// @ts-expect-error resourceMetadataUrl is string | undefined
export const notANumber: number = rs.resourceMetadataUrl;
// @ts-expect-error AuthInfo.scopes is readonly string[]
export const notAuthInfo: AuthInfo = { scopes: 1 };
// @ts-expect-error requireAuth's scopes are strings
expressAdapter.requireAuth(rs, 42);
// @ts-expect-error the node adapter answers with a ServerResponse
void nodeAdapter.authenticate(rs, {} as IncomingMessage, 'not a response');
