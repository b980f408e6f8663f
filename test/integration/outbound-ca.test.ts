import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startDocumentHost, type DocumentHost } from '../support/metadata-document-host.ts';
import { ROOT } from '../support/processes.ts';

/**
 * OUTBOUND_CA_FILE for oidc-provider's own requests (back-channel logout, jwks_uri): the pools of
 * Node's fetch that trust it. Run in a plain Node process, where undici's Agent is reachable (the
 * test sandbox has another global object); the metadata documents' own fetch is tested end to end.
 */
const SCRIPT = `
import { readFileSync } from 'node:fs';
import { caTrustingAgents } from './src/oidc/outbound-agents.ts';
const [url, caFile] = process.argv.slice(1);
const agents = caTrustingAgents([readFileSync(caFile, 'utf8')]);
const outcome = (dispatcher) => fetch(url, dispatcher ? { dispatcher } : {}).then((response) => response.status, (error) => error.cause?.code ?? error.cause?.message ?? error.message);
console.log(JSON.stringify({ open: await outcome(agents.open), guarded: await outcome(agents.guarded), plain: await outcome(undefined) }));
`;

let host: DocumentHost;
beforeAll(async () => {
  host = await startDocumentHost();
});
afterAll(() => host?.close());

test('the pools trust the extra CA; the guarded one still refuses a loopback address; without them the certificate is not trusted', async () => {
  const url = host.publish('/ca/check.json', { client_name: 'CA check' });
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT, url, host.certFile], { cwd: ROOT, timeout: 30_000 });
  expect(JSON.parse(stdout)).toEqual({ open: 200, guarded: 'hostname resolves to a special-use IP address', plain: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
});
