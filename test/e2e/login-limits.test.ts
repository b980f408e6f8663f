import { createUser, PASSWORD, registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openLoginPage, postLogin } from './login-from-address.ts';

const PER_ADDRESS = 10;
const PER_ACCOUNT = 5;
const TOO_MANY_FAILURES = 'Too many failed attempts';

let server: TestServer;
let web: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer({
    LOGIN_MAX_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT),
  });
  web = await registerClient(server, { grant_types: ['authorization_code'] });
});
afterAll(() => server.close());

test('password spraying: 40 emails from one address get 429 after the per-address limit, another address still gets 401', async () => {
  await createUser(server, 'sprayed@example.com');
  const { browser, page } = await openLoginPage(web);
  const emails = ['sprayed@example.com', ...Array.from({ length: 39 }, (_, i) => `nobody${i}@example.com`)];
  const answers = [];
  for (const email of emails) answers.push(await postLogin(browser, page, '127.0.10.1', { email, password: 'Spring2026!' }));

  expect(answers.map((answer) => answer.status)).toEqual([
    ...Array<number>(PER_ADDRESS).fill(401),
    ...Array<number>(40 - PER_ADDRESS).fill(429),
  ]);
  for (const refused of answers.slice(PER_ADDRESS)) {
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.html).toContain(TOO_MANY_FAILURES);
  }
  expect((await postLogin(browser, page, '127.0.10.2', { email: 'nobody39@example.com', password: 'Spring2026!' })).status).toBe(401);
});

test('distributed guessing: one account is refused from new addresses after the per-account limit, exactly like an email with no account', async () => {
  await createUser(server, 'targeted@example.com');
  const { browser, page } = await openLoginPage(web);
  const attack = async (email: string, subnet: number) => {
    const statuses: number[] = [];
    for (let host = 1; host <= PER_ACCOUNT + 3; host += 1) {
      statuses.push((await postLogin(browser, page, `127.0.${subnet}.${host}`, { email, password: `guess-${host}` })).status);
    }
    return statuses;
  };
  const expected = [...Array<number>(PER_ACCOUNT).fill(401), 429, 429, 429];
  expect(await attack('targeted@example.com', 20)).toEqual(expected);
  expect(await attack('no-such-user@example.com', 21)).toEqual(expected);
});

test('the per-account limit does not lock the user out of an address they recently signed in from', async () => {
  await createUser(server, 'regular@example.com');
  const home = '127.0.30.1';
  const signIn = async (address: string) => {
    const { browser, page } = await openLoginPage(web);
    return postLogin(browser, page, address, { email: 'regular@example.com', password: PASSWORD });
  };
  const first = await signIn(home);
  expect(first.status).toBe(303);

  const { browser, page } = await openLoginPage(web);
  const attack: number[] = [];
  for (let host = 1; host <= PER_ACCOUNT + 2; host += 1) {
    attack.push((await postLogin(browser, page, `127.0.31.${host}`, { email: 'regular@example.com', password: `guess-${host}` })).status);
  }
  expect(attack.slice(PER_ACCOUNT)).toEqual([429, 429]);

  const again = await signIn(home);
  expect(again.status).toBe(303);
  expect(again.location).toContain('/auth/');
  // The trade-off: while the account is under attack, a new address must wait even with the right password.
  expect((await signIn('127.0.31.200')).status).toBe(429);
});
