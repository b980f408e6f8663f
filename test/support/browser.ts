/**
 * A minimal browser for driving the HTML forms: a cookie jar, manual redirects, and form parsing.
 * It follows what a user agent does, so tests exercise the real pages rather than internal APIs.
 */
export interface Page {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly html: string;
}

export interface Form {
  readonly action: string;
  readonly method: string;
  readonly fields: Record<string, string>;
}

const decode = (value: string) =>
  value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const attribute = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}=(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return match ? decode(match[1] ?? match[2] ?? '') : undefined;
};

/** How the browser sends one request without following redirects: fetch by default (HTTP/1.1). */
export type Transport = (url: string, init: { method: string; headers: Record<string, string>; body: string | undefined }) => Promise<{ status: number; headers: Headers; body: string }>;

const fetchTransport: Transport = async (url, { method, headers, body }) => {
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  return { status: response.status, headers: response.headers, body: await response.text() };
};

export class Browser {
  readonly #cookies = new Map<string, string>();
  readonly #transport: Transport;

  constructor(transport: Transport = fetchTransport) {
    this.#transport = transport;
  }

  cookieHeader(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  hasCookie(name: string): boolean {
    return this.#cookies.has(name);
  }

  #store(headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line);
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** One request, no redirect following. */
  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await this.#transport(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
    this.#store(response.headers);
    return { url, status: response.status, headers: response.headers, html: response.body };
  }

  /** Follows redirects until a page that is not a redirect, or until `stopAt` matches the next URL. */
  async follow(url: string, stopAt?: (next: string) => boolean, init?: Parameters<Browser['request']>[1]): Promise<Page> {
    let page = await this.request(url, init);
    for (let hops = 0; hops < 10 && page.status >= 300 && page.status < 400; hops += 1) {
      const next = new URL(page.headers.get('location')!, page.url).toString();
      if (stopAt?.(next)) return { ...page, url: next };
      page = await this.request(next);
    }
    return page;
  }

  static forms(page: Page): Form[] {
    const forms: Form[] = [];
    for (const match of page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
      const [, attributes = '', inner = ''] = match;
      const fields: Record<string, string> = {};
      for (const input of inner.matchAll(/<input\b[^>]*>/gi)) {
        const name = attribute(input[0], 'name');
        if (name) fields[name] = attribute(input[0], 'value') ?? '';
      }
      forms.push({
        action: new URL(attribute(` ${attributes}`, 'action') ?? page.url, page.url).toString(),
        method: (attribute(` ${attributes}`, 'method') ?? 'get').toUpperCase(),
        fields,
      });
    }
    return forms;
  }

  /** Submits the form whose action matches, with its hidden inputs plus `values`. */
  async submit(page: Page, actionPattern: RegExp, values: Record<string, string> = {}, stopAt?: (next: string) => boolean): Promise<Page> {
    const form = Browser.forms(page).find((candidate) => actionPattern.test(candidate.action));
    if (!form) throw new Error(`no form matching ${actionPattern} on ${page.url} (status ${page.status})`);
    return this.follow(form.action, stopAt, { method: form.method, form: { ...form.fields, ...values } });
  }
}
