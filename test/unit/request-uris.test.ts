import { isRegisteredRequestUri, requestUrisProblem, withoutFragment } from '../../src/oidc/request-uris.ts';

const registered = { request_uris: ['https://rp.example/objects/a#v1', 'https://rp.example/objects/b'] };

test('a request_uri matches a registered one exactly, fragments aside (OIDC Registration 2)', () => {
  expect(isRegisteredRequestUri(registered, 'https://rp.example/objects/a')).toBe(true);
  expect(isRegisteredRequestUri(registered, 'https://rp.example/objects/a#v2')).toBe(true);
  expect(isRegisteredRequestUri(registered, 'https://rp.example/objects/b#anything')).toBe(true);
  for (const other of ['https://rp.example/objects/a?v=1', 'https://rp.example/objects/', 'https://RP.example/objects/a', 'http://rp.example/objects/a', 'https://rp.example/objects/a/'])
    expect({ other, registered: isRegisteredRequestUri(registered, other) }).toEqual({ other, registered: false });
});

test('a client without request_uris has none registered', () => {
  expect(isRegisteredRequestUri({}, 'https://rp.example/objects/a')).toBe(false);
  expect(isRegisteredRequestUri({ request_uris: 'https://rp.example/objects/a' }, 'https://rp.example/objects/a')).toBe(false);
});

test('withoutFragment drops from the first #', () => {
  expect(withoutFragment('https://rp.example/a#b#c')).toBe('https://rp.example/a');
  expect(withoutFragment('https://rp.example/a')).toBe('https://rp.example/a');
});

test('what may be registered', () => {
  expect(requestUrisProblem(undefined, { fapi2: false })).toBeUndefined();
  expect(requestUrisProblem(['https://rp.example/a#hash'], { fapi2: false })).toBeUndefined();
  expect(requestUrisProblem([], { fapi2: false })).toBeUndefined();
  expect(requestUrisProblem(['https://rp.example/a'], { fapi2: true })).toMatch(/FAPI 2.0/);
  expect(requestUrisProblem([42], { fapi2: false })).toMatch(/at most 2000 characters/);
  expect(requestUrisProblem(['https://'], { fapi2: false })).toMatch(/https URLs/);
  expect(requestUrisProblem(['file:///etc/passwd'], { fapi2: false })).toMatch(/https URLs/);
});
