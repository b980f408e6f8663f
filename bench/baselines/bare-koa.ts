/**
 * Baseline for the demo API: a bare Koa hello world (no router, no token check) answering a JSON
 * body of the same size class as GET /protected. Port from BENCH_PORT.
 */
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = { sub: 'hello', client_id: 'world', scope: 'api:read' };
});
app.listen(Number(process.env.BENCH_PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
