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
