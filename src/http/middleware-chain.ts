import type { DefaultState, Middleware } from 'koa';

type Step<C> = (ctx: C, next: () => Promise<unknown>) => unknown;

/** Runs `chain` from `index` in one request context, then `last` (Koa's own composition, inlined). */
export function runChain<C>(chain: readonly Step<C>[], index: number, ctx: C, last: () => Promise<unknown>): Promise<unknown> {
  const step = chain[index];
  if (!step) return last();
  return Promise.resolve(step(ctx, () => runChain(chain, index + 1, ctx, last)));
}

/** Runs a router's middleware only for paths under its prefix (in any case, as the router matches), so other requests skip its matching. */
export function onlyUnder<C>(prefix: string, ...middleware: Array<Middleware<DefaultState, C>>): Middleware<DefaultState, C> {
  return (ctx, next) => (ctx.path.slice(0, prefix.length).toLowerCase() === prefix ? runChain(middleware, 0, ctx, next) : next());
}
