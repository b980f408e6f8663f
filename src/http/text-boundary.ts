import type { Context, Middleware } from 'koa';
import { AppError, expectedFailure } from '../errors/app-error.ts';
import type { Views } from '../pages/views.ts';
import { unsafeJson } from './json-safety.ts';
import { isPlainAscii, parseParameters, type Parameters } from './protocol-parameters.ts';
import { answerRefusal } from './refusal.ts';
import { readAndReplayBody } from './request-body.ts';
import { isSafeText } from './safe-text.ts';

/** oidc-provider's own limit for a form body (the gateway enforces it again). */
export const MAX_PROVIDER_FORM_BODY = 56 * 1024;
/** Portcullis's own forms (login, sign-up, account): the same limit their parser had. */
export const MAX_PAGE_FORM_BODY = 16 * 1024;
/** A JSON body anywhere on the public listener (registration metadata, passkey ceremonies). */
export const MAX_JSON_BODY = 64 * 1024;
/** The longest value of one field in Portcullis's own forms: far above any email, name or password. */
export const MAX_PAGE_FIELD_LENGTH = 4096;

/** Paths served by Portcullis's own routers (not oidc-provider): their forms are parsed here. */
const OWN_PAGES = /^\/(interaction|account|password-reset|verify-email)(\/|$)/i;
/** Paths people open in a browser: a refusal is the friendly error page there, OAuth JSON elsewhere. */
const BROWSER_PAGES = /^\/(auth|session\/end|interaction|account|password-reset|verify-email|device(?!\/auth(\/|$))|signup)(\/|$)/i;

class BoundaryRefusal extends Error {
  readonly status: number;
  readonly description: string;
  constructor(status: number, description: string) {
    super(description);
    this.status = status;
    this.description = description;
  }
}

const refusalOf = (error: unknown): BoundaryRefusal => {
  if (error instanceof BoundaryRefusal) return error;
  const expected = expectedFailure(error);
  if (!expected) throw error;
  return new BoundaryRefusal(expected.status, expected.message);
};

/** The path decoded the way a router does, strictly: malformed escapes, controls and invalid Unicode refused. */
function checkPath(path: string): void {
  if (!/[%\x80-\uFFFF]/.test(path)) return;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new BoundaryRefusal(400, 'the request path must be valid percent-encoded UTF-8');
  }
  if (!isSafeText(decoded) || /[\t\n\r]/.test(decoded))
    throw new BoundaryRefusal(400, 'the request path contains control characters or invalid Unicode');
}

/** A form of Portcullis's own pages as its handlers read it: each field once, bounded, flat. */
function pageForm(parameters: Parameters): Record<string, string> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of parameters) {
    if (name in fields) throw new BoundaryRefusal(400, `parameter ${name.slice(0, 40)} must not be provided twice`);
    if (value.length > MAX_PAGE_FIELD_LENGTH)
      throw new BoundaryRefusal(400, `parameter ${name.slice(0, 40)} is longer than ${MAX_PAGE_FIELD_LENGTH} characters`);
    fields[name] = value;
  }
  // A plain object again, as a body parser would give (handlers use `in` and spread it).
  return { ...fields };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one place where text enters the public listener: the path, the query string and any
 * urlencoded or JSON body must be valid UTF-8 (and valid percent-encoding) without control
 * characters or lone surrogates, because PostgreSQL refuses NUL and both stores would hold garbage.
 * Bodies are bounded here too. Portcullis's own forms are parsed here once, strictly (no
 * duplicated or overlong fields, no nested `a[b]` objects), and handed to their routers as
 * `ctx.request.body`; bodies for oidc-provider are checked and replayed for it to parse.
 * A refusal is a 400 (413 for size) in the endpoint's own format: the error page for browser
 * pages, OAuth JSON for protocol endpoints.
 */
export function textBoundary({ views }: { views: Views }): Middleware {
  return async function checkText(ctx, next) {
    const own = OWN_PAGES.test(ctx.path);
    try {
      checkPath(ctx.path);
      if (!isPlainAscii(ctx.querystring)) parseParameters(ctx.querystring);
      if (BODY_METHODS.has(ctx.method) && ctx.request.length !== 0) await checkBody(ctx, own);
    } catch (error) {
      const refusal = refusalOf(error);
      return refuse(ctx, views, refusal);
    }
    await next();
  };
}

/** Reads the body within `limit` and leaves it to be read again, by `req.iterator()` or `for await`. */
async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const body = await readAndReplayBody(ctx.req, limit);
  Object.defineProperty(ctx.req, Symbol.asyncIterator, {
    configurable: true,
    value: () => (ctx.req as unknown as { iterator: () => AsyncIterator<Buffer> }).iterator(),
  });
  return body;
}

async function checkBody(ctx: Context, own: boolean): Promise<void> {
  if (ctx.is('application/x-www-form-urlencoded')) {
    const body = await readBody(ctx, own ? MAX_PAGE_FORM_BODY : MAX_PROVIDER_FORM_BODY);
    if (own) (ctx.request as { body?: unknown }).body = pageForm(parseParameters(body));
    else if (!isPlainAscii(body)) parseParameters(body);
    return;
  }
  if (ctx.is('json', 'application/*+json')) {
    const body = await readBody(ctx, MAX_JSON_BODY);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch {
      // Invalid UTF-8 is never fine; malformed JSON is the endpoint's to answer in its own words.
      if (!isUtf8(body)) throw new BoundaryRefusal(400, 'request body must be valid UTF-8');
      return;
    }
    const problem = unsafeJson(parsed);
    if (problem) throw new BoundaryRefusal(400, problem);
  }
}

const isUtf8 = (body: Buffer): boolean => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
};

function refuse(ctx: Context, views: Views, refusal: BoundaryRefusal): Promise<void> {
  const asPage = BROWSER_PAGES.test(ctx.path) && !ctx.is('json');
  const signIn = /^\/(auth|interaction|device)(\/|$)/i.test(ctx.path);
  return answerRefusal(
    ctx,
    views,
    {
      status: refusal.status,
      error: 'invalid_request',
      description: refusal.description,
      heading: signIn ? undefined : 'That request could not be completed',
      advice: 'Go back and try again.',
    },
    { asPage },
  );
}

/**
 * The same boundary for the admin listener, whose JSON bodies its routes read (and check)
 * themselves: the path and the query string must be valid percent-encoded UTF-8 (400). Control
 * characters in well-encoded values are left to the routes' schemas, which answer them 422 like
 * any other invalid value. A refusal is thrown as an expected failure: problem details.
 */
export function adminTextBoundary(): Middleware {
  return async function checkAdminText(ctx, next) {
    const components = [ctx.path, ...ctx.querystring.split(/[&=]/)];
    for (const component of components) {
      if (!/[%\x80-\uFFFF]/.test(component)) continue;
      try {
        decodeURIComponent(component.replace(/\+/g, ' '));
      } catch {
        throw new AppError('invalid_request', 'the request path and query must be valid percent-encoded UTF-8');
      }
    }
    await next();
  };
}
