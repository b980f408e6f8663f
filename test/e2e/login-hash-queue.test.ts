import { createUser, registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openLoginPage, postLogin } from './login-from-address.ts';

describe('one address flooding sign-ins', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    // A long queue wait so that the outcome below never depends on how fast this machine hashes.
    server = await startTestServer({
      LOGIN_MAX_IN_FLIGHT_PER_ADDRESS: '2',
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE_TIMEOUT_MS: '30000',
    });
    web = await registerClient(server, { grant_types: ['authorization_code'] });
    await createUser(server, 'patient@example.com');
  });
  afterAll(() => server.close());

  test('cannot starve a normal sign-in from another address: its excess gets 429 with Retry-After', async () => {
    const { browser, page } = await openLoginPage(web);
    const flood = Array.from({ length: 40 }, (_, i) =>
      postLogin(browser, page, '127.0.40.1', { email: `flood${i}@example.com`, password: `wrong-${i}` }),
    );
    const normal = openLoginPage(web).then((login) =>
      postLogin(login.browser, login.page, '127.0.40.2', { email: 'patient@example.com', password: 'correct horse battery staple' }),
    );

    const [answers, signedIn] = await Promise.all([Promise.all(flood), normal]);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toContain('/auth/');
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    expect(statuses).toContain(401);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.retryAfter).toBeGreaterThan(0);
      expect(answer.html).toContain('Too many sign-ins at once');
    }
  });
});

describe('a full hashing queue', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    // One hash at a time and a 1 ms wait: any sign-in that queues behind another times out.
    server = await startTestServer({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE_TIMEOUT_MS: '1', LOGIN_MAX_ATTEMPTS: '1' });
    web = await registerClient(server, { grant_types: ['authorization_code'] });
  });
  afterAll(() => server.close());

  test('answers 503 with Retry-After and a friendly login page, and does not count the attempt', async () => {
    const { browser, page } = await openLoginPage(web);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        postLogin(browser, page, `127.0.50.${i + 1}`, { email: 'someone@example.com', password: `wrong-${i}` }),
      ),
    );
    const busy = answers.findIndex((answer) => answer.status === 503);
    expect(busy).toBeGreaterThanOrEqual(0);
    expect(answers[busy]!.retryAfter).toBeGreaterThan(0);
    expect(answers[busy]!.html).toContain('Sign-in is busy right now');
    expect(answers[busy]!.html).toContain('name="password"');
    // LOGIN_MAX_ATTEMPTS is 1: a counted attempt would make this 429.
    expect((await postLogin(browser, page, `127.0.50.${busy + 1}`, { email: 'someone@example.com', password: 'again' })).status).toBe(401);
  });
});
