import { request } from 'node:http';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationRequest, isCallback, type RegisteredClient } from '../support/flows.ts';

export interface LoginAnswer {
  readonly status: number;
  readonly retryAfter: number | undefined;
  readonly location: string | undefined;
  readonly html: string;
}

/** A fresh login page: a new interaction, its cookies kept by the returned browser. */
export async function openLoginPage(client: RegisteredClient): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const page = await browser.follow((await authorizationRequest(client)).url.toString(), isCallback);
  return { browser, page };
}

/**
 * Posts the login form of `page` with the browser's cookies from `localAddress`, so the server sees
 * that client address without trusting any header. Any 127.x.y.z works on Linux.
 */
export function postLogin(
  browser: Browser,
  page: Page,
  localAddress: string,
  credentials: { email: string; password: string },
): Promise<LoginAnswer> {
  const form = Browser.forms(page).find((candidate) => candidate.action.endsWith('/login'));
  if (!form) throw new Error(`no login form on ${page.url} (status ${page.status})`);
  const body = new URLSearchParams({ ...form.fields, ...credentials }).toString();
  const url = new URL(form.action);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: {
          cookie: browser.cookieHeader(),
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: retryAfter === undefined ? undefined : Number(retryAfter),
            location: response.headers.location,
            html: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
