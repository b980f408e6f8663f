import { Writable } from 'node:stream';
import { pino } from 'pino';
import { authorizationRequest, registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const logLines: Array<Record<string, unknown>> = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let server: TestServer;
let client: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer({}, { logger: pino({ level: 'info' }, capture) });
  client = await registerClient(server, { grant_types: ['authorization_code'] });
});
afterAll(() => server.close());

/** Makes the client lookup behind the interaction page fail the way `failure` says, once per call. */
const breakClientLookup = (failure: () => Error) => {
  const clients = server.services.clients as unknown as { find: (id: string) => Promise<unknown> };
  const original = clients.find.bind(clients);
  let armed = false;
  clients.find = async (id) => {
    if (armed) throw failure();
    return original(id);
  };
  return {
    arm: () => (armed = true),
    restore: () => (clients.find = original),
  };
};

const openInteraction = async (arm: () => void) => {
  const request = await authorizationRequest(client);
  const authorize = await fetch(request.url, { redirect: 'manual' });
  const interaction = authorize.headers.get('location')!;
  const cookies = authorize.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
  arm();
  return fetch(new URL(interaction, server.issuer), { headers: { cookie: cookies, accept: 'text/html' } });
};

describe('unexpected failures get a generic answer whose request id is also in the log line', () => {
  test('a bug behind an interaction page: 500 page with the request id, no internals', async () => {
    const broken = breakClientLookup(() => new TypeError('internal detail that must not leak'));
    try {
      const response = await openInteraction(broken.arm);
      const html = await response.text();
      const requestId = response.headers.get('x-request-id');
      expect(response.status).toBe(500);
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(html).toContain(requestId);
      expect(html).toContain('Something went wrong');
      expect(html).not.toContain('internal detail');
      expect(html).not.toMatch(/\n\s+at .+:\d+:\d+/);
      const logged = logLines.find((line) => line.msg === 'interaction failed' && line.requestId === requestId);
      expect(logged).toBeDefined();
      expect(JSON.stringify(logged)).toContain('internal detail that must not leak');
    } finally {
      broken.restore();
    }
  });

  test('a lost database behind an interaction page: 503 "try again", not a fault', async () => {
    const broken = breakClientLookup(() => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    try {
      const response = await openInteraction(broken.arm);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.text()).toContain('temporarily unavailable');
    } finally {
      broken.restore();
    }
  });

  test('every answer carries a request id, and the request log line names it', async () => {
    const response = await fetch(`${server.issuer}/healthz`);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(logLines.some((line) => line.msg === 'request' && line.requestId === requestId && line.path === '/healthz')).toBe(true);
  });

  test('an expected refusal keeps its own words and code', async () => {
    const response = await fetch(`${server.issuer}/interaction/nope`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/expired/);
  });
});
