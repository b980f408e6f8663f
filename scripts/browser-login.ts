// Signs in through a real headless Chromium against a running Portcullis and saves screenshots of
// every page: the check a person would do. Usage (server running, user and client created):
//   node scripts/browser-login.ts <issuer> <client_id> <email> <password> [out-dir]
// Optional environment: SCOPE (default "openid email profile offline_access"), RESOURCE (an API's
// identifier, RFC 8707) and CLIENT_SECRET (for a confidential client; otherwise a public one).
import { mkdir } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const [issuer = 'http://localhost:3000', clientId, email, password, outDir = 'screenshots'] = process.argv.slice(2);
if (!clientId || !email || !password) {
  process.stderr.write('usage: node scripts/browser-login.ts <issuer> <client_id> <email> <password> [out-dir]\n');
  process.exit(2);
}
await mkdir(outDir, { recursive: true });
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');
const redirectUri = 'http://localhost:8080/callback';
const url = new URL('/auth', issuer);
url.search = new URLSearchParams({
  client_id: clientId,
  response_type: 'code',
  scope: process.env.SCOPE ?? 'openid email profile offline_access',
  ...(process.env.RESOURCE ? { resource: process.env.RESOURCE } : {}),
  prompt: 'consent',
  redirect_uri: redirectUri,
  code_challenge: challenge,
  code_challenge_method: 'S256',
  state: 'browser-check',
}).toString();

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  let callback: string | undefined;
  await page.route(`${redirectUri}**`, async (route) => {
    callback = route.request().url();
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>callback received</p>' });
  });
  await page.goto(url.toString());
  await page.screenshot({ path: `${outDir}/1-login.png` });
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
  await page.screenshot({ path: `${outDir}/2-wrong-password.png` });
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
  await page.screenshot({ path: `${outDir}/3-consent.png` });
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${redirectUri}**`);
  const code = new URL(callback!).searchParams.get('code');
  process.stdout.write(`callback: ${callback}\n`);
  const tokenResponse = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(process.env.CLIENT_SECRET ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(process.env.CLIENT_SECRET)}`).toString('base64')}` } : {}),
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, code_verifier: verifier, redirect_uri: redirectUri, ...(process.env.CLIENT_SECRET ? {} : { client_id: clientId }) }),
  });
  process.stdout.write(`token endpoint: ${tokenResponse.status} ${Object.keys((await tokenResponse.json()) as object).join(', ')}\n`);
  await page.goto(new URL('/session/end', issuer).toString());
  await page.screenshot({ path: `${outDir}/4-logout.png` });
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForLoadState();
  await page.screenshot({ path: `${outDir}/5-signed-out.png` });
  await page.goto(new URL('/auth?client_id=nope&response_type=code', issuer).toString());
  await page.screenshot({ path: `${outDir}/6-error.png` });
} finally {
  await browser.close();
}
