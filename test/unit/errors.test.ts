import { join } from 'node:path';
import { z } from 'zod';
import { ClientNotFoundError, InvalidClientMetadataError } from '../../src/clients/errors.ts';
import { runCli } from '../../src/cli/run.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { AppError, expectedFailure } from '../../src/errors/app-error.ts';
import { isDependencyOutage } from '../../src/errors/outage.ts';
import { toProblemDetails } from '../../src/errors/problem-details.ts';
import { validate } from '../../src/errors/validation.ts';
import { toProtocolError } from '../../src/http/error-handler.ts';
import { errorPageFor } from '../../src/pages/error-page.ts';
import { putIntoWords } from '../../src/pages/page-text.ts';
import { loadPageStrings } from '../../src/pages/strings.ts';
import { VIEWS_DIR } from '../../src/pages/views.ts';
import type { Services } from '../../src/services.ts';

describe('one error type for every expected failure', () => {
  test('validation lists every field by JSON pointer, escaped as RFC 6901 says', () => {
    const schema = z.object({ email: z.email(), 'a/b~c': z.array(z.number()) });
    const failure = (() => {
      try {
        validate(schema, { email: 'nope', 'a/b~c': [1, 'x'] });
      } catch (error) {
        return error;
      }
      throw new Error('validate accepted bad input');
    })() as AppError;
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'invalid_input', status: 400, expose: true });
    expect(failure.fields.map((field) => field.pointer)).toEqual(['/email', '/a~1b~0c/1']);
    expect(failure.message).toMatch(/^email: .+; a~1b~0c\.1: /);
  });

  test('valid input comes back parsed', () => {
    expect(validate(z.object({ n: z.coerce.number() }), { n: '3' })).toEqual({ n: 3 });
  });

  test('domain errors carry a stable code and status', () => {
    expect(new ClientNotFoundError('no client x')).toMatchObject({ code: 'not_found', status: 404, expose: true });
    expect(new InvalidClientMetadataError('bad')).toMatchObject({
      code: 'invalid_client_metadata',
      status: 400,
      error: 'invalid_client_metadata',
    });
    expect(new AppError('server_error', 'db password is hunter2')).toMatchObject({ status: 500, expose: false });
  });

  test("Koa's exposed http errors count as expected; anything else is unexpected", () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, expose: true });
    expect(expectedFailure(tooLarge)).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(expectedFailure(Object.assign(new Error('x'), { status: 400, expose: true }))).toMatchObject({ code: 'invalid_request' });
    expect(expectedFailure(Object.assign(new Error('x'), { status: 500, expose: true }))).toBeUndefined();
    expect(expectedFailure(Object.assign(new Error('x'), { status: 400 }))).toBeUndefined();
    expect(expectedFailure(new TypeError('undefined is not a function'))).toBeUndefined();
    expect(expectedFailure('a string')).toBeUndefined();
  });

  test('a lost database or Redis is recognised through causes', () => {
    expect(isDependencyOutage(new Error('wrapped', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isDependencyOutage(new Error('Connection is closed.'))).toBe(true);
    expect(isDependencyOutage(Object.assign(new Error('x'), { name: 'PrismaClientInitializationError' }))).toBe(true);
    expect(isDependencyOutage(new Error('undefined is not a function'))).toBe(false);
    expect(isDependencyOutage(undefined)).toBe(false);
  });
});

describe('one translation per transport', () => {
  test("protocol JSON speaks OAuth's vocabulary", () => {
    expect(toProtocolError(new AppError('invalid_input', 'email: invalid'))).toEqual({
      error: 'invalid_request',
      error_description: 'email: invalid',
    });
    expect(toProtocolError(new InvalidClientMetadataError('redirect_uris: required'))).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'redirect_uris: required',
    });
    expect(toProtocolError(new AppError('rate_limited', 'slow down')).error).toBe('temporarily_unavailable');
  });

  test('problem details (RFC 9457) carry the fields, and never the message of an unexpected error', () => {
    const invalid = toProblemDetails(
      new AppError('invalid_input', 'bad', { fields: [{ pointer: '/email', message: 'invalid email' }] }),
      'req-1',
    );
    expect(invalid).toEqual({
      type: 'urn:portcullis:problem:invalid_input',
      title: 'Invalid input',
      status: 422,
      detail: 'bad',
      code: 'invalid_input',
      errors: [{ pointer: '/email', message: 'invalid email' }],
      request_id: 'req-1',
    });
    const hidden = toProblemDetails(new AppError('server_error', 'db password is hunter2'), 'req-2');
    expect(hidden).toMatchObject({ status: 500, code: 'server_error', request_id: 'req-2' });
    expect(JSON.stringify(hidden)).not.toContain('hunter2');
    expect(toProblemDetails(undefined, 'req-3')).toMatchObject({ status: 500, detail: expect.stringContaining('req-3') });
  });

  test('the HTML page: own message when expected, 503 for an outage, a generic 500 otherwise', () => {
    expect(errorPageFor(new ClientNotFoundError('no client x'), undefined)).toMatchObject({
      status: 404,
      message: 'No client x.',
      code: 'not_found',
    });
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { t } = loadPageStrings([join(VIEWS_DIR, 'strings')]).translatorFor('en');
    expect(putIntoWords(errorPageFor(undefined, outage), { t })).toMatchObject({ status: 503, heading: 'Sign-in is temporarily unavailable' });
    const bug = errorPageFor(undefined, new TypeError('secret internals'));
    expect(bug).toMatchObject({ status: 500, code: 'server_error' });
    expect(JSON.stringify(bug)).not.toContain('secret internals');
  });

  test('the CLI prints one line with the code first, exit code 1', async () => {
    const lines: string[] = [];
    const io: CliIo = { readStdin: async () => '', out: () => undefined, err: (text) => lines.push(text) };
    const failingWith = (error: unknown) => async () =>
      ({ management: { clients: { show: async () => { throw error; } } } }) as unknown as Services;
    expect(await runCli(['client', 'show', 'x'], io, failingWith(new ClientNotFoundError('no client x')))).toBe(1);
    expect(
      await runCli(
        ['client', 'show', 'x'],
        io,
        failingWith(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432\n    at stack'), { code: 'ECONNREFUSED' })),
      ),
    ).toBe(1);
    expect(lines).toEqual([
      'error: not_found: no client x\n',
      'error: unavailable: the database or Redis cannot be reached (connect ECONNREFUSED 127.0.0.1:5432)\n',
    ]);
  });
});
