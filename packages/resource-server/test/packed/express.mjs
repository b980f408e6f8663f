// An Express API as a user of the published package writes it, in plain JavaScript.
// test/pack.test.ts copies this file into a temporary project where the packed tarball is installed.
import express from 'express';
import { createResourceServer } from '@portcullis/resource-server';
import { protectedResourceMetadata, requireAuth } from '@portcullis/resource-server/express';

const rs = createResourceServer({
  issuer: process.env.ISSUER,
  audience: process.env.AUDIENCE,
  resourceMetadata: { scopesSupported: ['orders:read'] },
});
const app = express();
app.use(protectedResourceMetadata(rs));
app.get('/orders', requireAuth(rs, 'orders:read'), (req, res) => res.json({ framework: 'express', auth: req.auth }));

const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
