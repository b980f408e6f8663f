import { createViews } from '../../src/pages/views.ts';

describe('views', () => {
  const views = createViews();

  test('the login page escapes every value and labels its inputs', async () => {
    const html = await views.render('login', { uid: 'u"1', csrf: 'tok<en>', clientName: '<script>alert(1)</script>', email: '"><img src=x>', error: '<b>x</b>' });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('"><img src=x>');
    expect(html).toContain('<label for="email">');
    expect(html).toContain('<label for="password">');
    expect(html).toContain('name="email"');
    expect(html).toContain('name="password"');
    expect(html).toContain('role="alert"');
  });

  test('after a refused sign-in the password field has the focus (the email is kept); on a fresh page the email field', async () => {
    const refused = await views.render('login', { uid: 'u1', csrf: 't', clientName: 'App', email: 'ada@example.com', error: 'Incorrect email or password.' });
    expect(refused).toMatch(/<input id="password"[^>]*autofocus/);
    expect(refused).not.toMatch(/<input id="email"[^>]*autofocus/);
    const fresh = await views.render('login', { uid: 'u1', csrf: 't', clientName: 'App', email: '' });
    expect(fresh).toMatch(/<input id="email"[^>]*autofocus/);
    expect(fresh).not.toMatch(/<input id="password"[^>]*autofocus/);
  });

  test('the consent page lists what is asked', async () => {
    const html = await views.render('consent', {
      uid: 'u1',
      csrf: 't',
      clientName: 'App',
      email: 'a@b.c',
      scopes: [{ scope: 'email', description: 'See your email address' }],
      claims: ['email'],
      resources: [{ name: 'Orders <API>', host: 'api.example', scopes: [{ scope: 'orders:read', description: 'See your orders' }] }],
    });
    expect(html).toContain('See your email address');
    expect(html).toContain('action="/interaction/u1/confirm"');
    expect(html).toContain('In <strong>Orders &lt;API&gt;</strong> <span class="muted">(api.example)</span>');
    expect(html).toContain('<li>See your orders</li>');
  });
});

describe('branding and template overrides', () => {
  const brand = { productName: 'Acme ID', logoUrl: 'https://cdn.example.com/logo.svg', accentColor: '#aa0000', supportUrl: 'mailto:help@example.com' };

  test('every page shows the product name, logo, accent colour and support link', async () => {
    const html = await createViews(undefined, { brand }).render('error', { title: 'Oops', heading: 'Oops', message: 'Try again.', status: 400 });
    expect(html).toMatch(/<title>[^<]* · Acme ID<\/title>/);
    expect(html).toContain('<img class="logo" src="https://cdn.example.com/logo.svg" alt="Acme ID">');
    expect(html).toContain('--accent: #aa0000');
    expect(html).toContain('<a href="mailto:help@example.com">Contact support</a>');
    expect(html).not.toContain('Portcullis');
  });

  test('a template in the override folder replaces ours of the same name; the others stay', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'views-override-'));
    try {
      await writeFile(join(dir, 'layout.eta'), '<!doctype html><html lang="en"><title><%= it.title %></title><body class="acme"><%~ it.body %></body></html>');
      const views = createViews(undefined, { overrideDir: dir, cache: false });
      const html = await views.render('error', { title: 'Oops', heading: 'Oops', message: 'Try again.', status: 400 });
      expect(html).toContain('<body class="acme">');
      expect(html).toContain('Try again.');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
