import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { createDocumentCache } from '../../src/cimd/document-cache.ts';
import { cacheSecondsOf } from '../../src/cimd/document-fetch.ts';
import { documentProblem, providerViewOf } from '../../src/cimd/document-rules.ts';
import { domainAllowed, parseDomainPolicy, type DomainPolicy } from '../../src/cimd/domain-policy.ts';
import { createMetadataDocuments, MetadataDocumentError } from '../../src/cimd/metadata-documents.ts';
import { createSharedCounters } from '../../src/limits/shared-counters.ts';
import { outboundFetch } from '../../src/oidc/outbound-fetch.ts';
import { quietLogger } from '../support/environment.ts';
import { selfSignedCertificate } from '../support/tls.ts';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

const policyOf = (value: string): DomainPolicy => {
  const parsed = parseDomainPolicy(value);
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  return parsed.policy;
};

describe('CLIENT_ID_METADATA_DOCUMENT_DOMAINS', () => {
  test('any (the default) accepts every host; ! entries refuse some of them', () => {
    expect(domainAllowed(policyOf('any'), 'app.example.com')).toBe(true);
    const denied = policyOf('any, !bad.example, !*.worse.example');
    expect(domainAllowed(denied, 'good.example')).toBe(true);
    expect(domainAllowed(denied, 'bad.example')).toBe(false);
    expect(domainAllowed(denied, 'sub.bad.example')).toBe(true);
    expect(domainAllowed(denied, 'a.b.worse.example')).toBe(false);
    expect(domainAllowed(policyOf('!bad.example'), 'good.example')).toBe(true);
    // A trailing dot names the same host (review finding).
    expect(domainAllowed(denied, 'bad.example.')).toBe(false);
    expect(domainAllowed(denied, 'x.worse.example.')).toBe(false);
    expect(domainAllowed(policyOf('example.com'), 'example.com.')).toBe(true);
  });

  test('an allow-list accepts only what it names: a host exactly, *.domain its subdomains (not the domain itself)', () => {
    const listed = policyOf('Example.COM,*.example.org,!old.example.org');
    expect(domainAllowed(listed, 'example.com')).toBe(true);
    expect(domainAllowed(listed, 'www.example.com')).toBe(false);
    expect(domainAllowed(listed, 'app.example.org')).toBe(true);
    expect(domainAllowed(listed, 'example.org')).toBe(false);
    expect(domainAllowed(listed, 'evilexample.org')).toBe(false);
    expect(domainAllowed(listed, 'old.example.org')).toBe(false);
  });

  test('names are compared as URL host names are written: lower case, punycode', () => {
    expect(domainAllowed(policyOf('bücher.example'), new URL('https://BÜCHER.example/app.json').hostname)).toBe(true);
  });

  test('what is not a host name is refused with the syntax', () => {
    const problems = problemsOf({ CLIENT_ID_METADATA_DOCUMENT_DOMAINS: 'example.com:443,ex*ample.org,https://x.example/,any' });
    expect(problems).toEqual([
      'CLIENT_ID_METADATA_DOCUMENT_DOMAINS: "example.com:443" is not a host name (any, or entries such as example.com, *.example.org, !bad.example)',
      'CLIENT_ID_METADATA_DOCUMENT_DOMAINS: "ex*ample.org" is not a host name (any, or entries such as example.com, *.example.org, !bad.example)',
      'CLIENT_ID_METADATA_DOCUMENT_DOMAINS: "https://x.example/" is not a host name (any, or entries such as example.com, *.example.org, !bad.example)',
    ]);
    expect(problemsOf({ CLIENT_ID_METADATA_DOCUMENT_DOMAINS: 'any,example.com' })).toEqual(['CLIENT_ID_METADATA_DOCUMENT_DOMAINS: "any" cannot be combined with allowed hosts (example.com): list the hosts, or any with ! entries']);
    expect(problemsOf({ CLIENT_ID_METADATA_DOCUMENT_DOMAINS: ' , ' })).toEqual(['CLIENT_ID_METADATA_DOCUMENT_DOMAINS: empty (any, or entries such as example.com, *.example.org, !bad.example)']);
  });
});

describe('the other settings', () => {
  test('defaults: on, any domain, 30 fetches per host per minute, no extra CA', () => {
    const config = loadConfig({});
    expect(config.clientIdMetadataDocuments).toEqual({ enabled: true, allowHosts: [], domains: { allow: undefined, deny: [] }, fetchesPerHostPerMinute: 30 });
    expect(config.outboundCa).toBeUndefined();
    expect(loadConfig({ CLIENT_ID_METADATA_DOCUMENTS: 'off' }).clientIdMetadataDocuments.enabled).toBe(false);
    expect(problemsOf({ CLIENT_ID_METADATA_DOCUMENTS: 'yes' })[0]).toMatch(/^CLIENT_ID_METADATA_DOCUMENTS: /);
  });

  test('CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS takes host or host:port, written as URLs write them', () => {
    expect(loadConfig({ CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: 'Intranet.example, localhost:8443, 10.0.0.7:443' }).clientIdMetadataDocuments.allowHosts).toEqual(['intranet.example', 'localhost:8443', '10.0.0.7']);
    expect(problemsOf({ CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: 'ok.example,https://x.example/path,user@host.example,host:99999' })).toEqual([
      'CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: "https://x.example/path" is not host or host:port',
      'CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: "user@host.example" is not host or host:port',
      'CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: "host:99999" is not host or host:port',
    ]);
  });

  test('OUTBOUND_CA_FILE must be a readable PEM bundle of certificates that parse', () => {
    const { certFile, cert } = selfSignedCertificate('outbound-ca');
    const config = loadConfig({ OUTBOUND_CA_FILE: certFile });
    expect(config.outboundCa).toEqual({ file: certFile, certificates: [cert.trim()] });
    const missing = join(tmpdir(), 'portcullis-no-such-ca.pem');
    expect(problemsOf({ OUTBOUND_CA_FILE: missing })).toEqual([`OUTBOUND_CA_FILE: cannot read ${missing} (ENOENT)`]);
    const empty = join(tmpdir(), `portcullis-empty-ca-${process.pid}.pem`);
    writeFileSync(empty, 'not a certificate\n');
    expect(problemsOf({ OUTBOUND_CA_FILE: empty })).toEqual([`OUTBOUND_CA_FILE: ${empty} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`]);
    const broken = join(tmpdir(), `portcullis-broken-ca-${process.pid}.pem`);
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(problemsOf({ OUTBOUND_CA_FILE: broken })).toEqual([`OUTBOUND_CA_FILE: certificate 1 in ${broken} does not parse`]);
  });
});

describe('how long a document is kept', () => {
  const keep = (headers: Record<string, string>) => cacheSecondsOf(new Headers(headers), Date.parse('2026-12-01T00:00:00Z'));
  test('its HTTP caching, bounded to [30 s, 24 h]; 5 minutes when it says nothing', () => {
    expect(keep({ 'cache-control': 'public, max-age=600' })).toBe(600);
    expect(keep({ 'cache-control': 'max-age=600, s-maxage=900' })).toBe(900);
    expect(keep({ 'cache-control': 'max-age=5' })).toBe(30);
    expect(keep({ 'cache-control': 'max-age=999999' })).toBe(86_400);
    expect(keep({ 'cache-control': 'no-store' })).toBe(30);
    expect(keep({ expires: 'Tue, 01 Dec 2026 01:00:00 GMT' })).toBe(3600);
    expect(keep({ expires: 'yesterday' })).toBe(30);
    expect(keep({})).toBe(300);
  });
});

describe('what a document may say', () => {
  const id = 'https://app.example.com/oauth/client.json';
  const valid = { client_id: id, client_name: 'App', redirect_uris: ['http://127.0.0.1:3000/callback', 'https://app.example.com/cb'] };
  test('the MCP example document is accepted, and given to oidc-provider as a public client without its scope', () => {
    expect(documentProblem(id, { ...valid, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' })).toBeUndefined();
    expect(providerViewOf({ ...valid, scope: 'openid mcp:tools' })).toEqual({ ...valid, token_endpoint_auth_method: 'none' });
    expect(providerViewOf({ ...valid, token_endpoint_auth_method: 'private_key_jwt' }).token_endpoint_auth_method).toBe('private_key_jwt');
  });

  test.each(([
    [[1], 'the document is not a JSON object'],
    [{ ...valid, client_id: `${id}?x` }, 'the document client_id is not its own URL'],
    [{ ...valid, client_name: ' ' }, 'the document has no client_name'],
    [{ ...valid, redirect_uris: [] }, 'redirect_uris must be a list of URIs (at least one)'],
    [{ ...valid, redirect_uris: ['http://app.example.com/cb'] }, 'redirect_uris: only https or loopback http URIs are accepted'],
    [{ ...valid, redirect_uris: ['com.example.app:/cb'] }, 'redirect_uris: only https or loopback http URIs are accepted'],
    [{ ...valid, redirect_uris: ['https://user:pw@app.example.com/cb'] }, 'redirect_uris: URIs must not carry credentials'],
    [{ ...valid, post_logout_redirect_uris: ['http://app.example.com/'] }, 'post_logout_redirect_uris: only https or loopback http URIs are accepted'],
    [{ ...valid, audience: ['https://api.example.com'] }, 'audience cannot be set by a client ID metadata document'],
    [{ ...valid, admin: true }, 'admin cannot be set by a client ID metadata document'],
    [{ ...valid, introspection_audiences: [] }, 'introspection_audiences cannot be set by a client ID metadata document'],
    [{ ...valid, sector_identifier_uri: 'https://app.example.com/sector.json' }, 'sector_identifier_uri cannot be set by a client ID metadata document'],
    [{ ...valid, client_secret: 'x' }, 'client_secret cannot be set by a client ID metadata document'],
    [{ ...valid, require_pkce: false }, 'require_pkce can only be true'],
    [{ ...valid, token_endpoint_auth_method: 'client_secret_post' }, 'token_endpoint_auth_method must be none or private_key_jwt'],
    [{ ...valid, grant_types: ['client_credentials'] }, 'grant_types may only be authorization_code and refresh_token'],
    [{ ...valid, response_types: ['code id_token'] }, 'response_types may only be code'],
    [{ ...valid, access_token_ttl: 0 }, 'access_token_ttl must be whole seconds'],
    [{ ...valid, client_name: 'A\u0000B' }, '/client_name contains control characters or invalid Unicode'],
    [{ ...valid, client_name: 'Acme \u202Eelgoog' }, 'client_name must not contain text direction controls or line breaks'],
    [{ ...valid, client_name: 'Acme\u2066 Mail' }, 'client_name must not contain text direction controls or line breaks'],
    [{ ...valid, client_name: 'Acme\nYou are signing in to your bank' }, 'client_name must not contain text direction controls or line breaks'],
    [{ ...valid, client_name: 'x'.repeat(201) }, 'client_name must be at most 200 characters'],
  ] as Array<[unknown, string]>).map(([document, problem]) => [problem, document] as const))('refused: %s', (problem, document) => {
    expect(documentProblem(id, document)).toBe(problem);
  });
});

describe('the shared documents', () => {
  const id = 'https://app.example.com/client.json';
  const document = { client_id: id, client_name: 'App', redirect_uris: ['https://app.example.com/cb'] };
  const setUp = (points = 10, fetched: () => Promise<unknown> = async () => ({ ok: true, value: document, ttlSeconds: 60 })) => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    let fetches = 0;
    const documents = createMetadataDocuments({
      cache: createDocumentCache({ redis: undefined, keyPrefix: 'unit:', now: () => now }),
      fetchesPerHost: createSharedCounters({ redis: undefined, keyPrefix: `unit:${Math.random()}:` }).counter('fetches', { points, windowSeconds: 60 }),
      fetch: async () => {
        fetches += 1;
        return (await fetched()) as never;
      },
      logger: quietLogger(),
    });
    return { documents, fetches: () => fetches, advance: (seconds: number) => (now += seconds * 1000) };
  };

  test('concurrent uses share one fetch; the document is kept for its time, then fetched again', async () => {
    const { documents, fetches, advance } = setUp();
    const [a, b] = await Promise.all([documents.resolve(id), documents.resolve(id)]);
    expect(a).toEqual(document);
    expect(b).toBe(a);
    expect(fetches()).toBe(1);
    advance(59);
    await documents.resolve(id);
    expect(fetches()).toBe(1);
    advance(2);
    await documents.resolve(id);
    expect(fetches()).toBe(2);
  });

  test('a refusal is kept 60 seconds; a rate limit is not remembered as one', async () => {
    const broken = setUp(10, async () => ({ ok: false, reason: 'the document is not valid JSON' }));
    await expect(broken.documents.resolve(id)).rejects.toThrow(new MetadataDocumentError('the document is not valid JSON'));
    await expect(broken.documents.resolve(id)).rejects.toThrow('the document is not valid JSON');
    expect(broken.fetches()).toBe(1);
    broken.advance(61);
    await expect(broken.documents.resolve(id)).rejects.toThrow('the document is not valid JSON');
    expect(broken.fetches()).toBe(2);

    const limited = setUp(1);
    await limited.documents.resolve(id);
    await limited.documents.forget(id);
    await expect(limited.documents.resolve(id)).rejects.toThrow(/^too many metadata documents were fetched from app\.example\.com; try again in \d+ seconds$/);
    expect(limited.fetches()).toBe(1);
  });
});

describe("oidc-provider's fetch", () => {
  test('its GET of a metadata document (no redirects followed) is answered by the shared cache; every other request goes out', async () => {
    const answered: string[] = [];
    const fetch = outboundFetch({ allowHosts: [], metadataDocument: async (url) => (answered.push(url), new Response('{}')) });
    await fetch('https://app.example.com/client.json', { method: 'GET', redirect: 'manual' });
    expect(answered).toEqual(['https://app.example.com/client.json']);
    const sent = await fetch('http://127.0.0.1:9/unreachable', { method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(500) }).catch(() => 'went out');
    expect(sent).toBe('went out');
    expect(answered).toHaveLength(1);
  });
});
