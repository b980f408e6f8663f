// A Fastify API as a user of the published package writes it, in plain JavaScript.
// test/pack.test.ts copies this file into a temporary project where the packed tarball is installed.
import Fastify from 'fastify';
import { createResourceServer } from '@portcullis/resource-server';
import { protectedResourceMetadata, requireAuth } from '@portcullis/resource-server/fastify';

const rs = createResourceServer({
  issuer: process.env.ISSUER,
  audience: process.env.AUDIENCE,
  resourceMetadata: { scopesSupported: ['orders:read'] },
});
const app = Fastify();
await app.register(protectedResourceMetadata(rs));
app.get('/orders', { preHandler: requireAuth(rs, 'orders:read') }, async (request) => ({ framework: 'fastify', auth: request.auth }));

await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${app.server.address().port}`);
