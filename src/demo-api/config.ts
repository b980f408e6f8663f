/**
 * Environment of the demo API process, validated up front: every problem is
 * reported on its own line naming the variable.
 */
import type { DemoApiOptions } from './app.ts';

export interface DemoApiConfig {
  readonly port: number;
  readonly options: DemoApiOptions;
}

export type ConfigResult =
  { readonly ok: true; readonly config: DemoApiConfig } | { readonly ok: false; readonly errors: readonly string[] };

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Reads PORT, ISSUER, AUDIENCE, PUBLIC_URL, INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET. */
export function readConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const errors: string[] = [];

  let port = 4000;
  const rawPort = env.PORT;
  if (rawPort !== undefined && rawPort !== '') {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65535) errors.push(`PORT must be an integer between 0 and 65535 (got "${rawPort}")`);
  }

  const issuer = env.ISSUER ?? '';
  if (issuer === '') errors.push('ISSUER is required (the authorization server URL, e.g. http://localhost:3000)');
  else if (!isHttpUrl(issuer)) errors.push(`ISSUER must be an absolute http(s) URL (got "${issuer}")`);

  const audience = env.AUDIENCE ?? '';
  if (audience === '') errors.push("AUDIENCE is required (this API's resource identifier, e.g. https://api.example.com)");

  // DPoP proofs name the URL clients call; the default fits `curl http://localhost:$PORT/...`.
  const rawPublicUrl = env.PUBLIC_URL ?? '';
  if (rawPublicUrl !== '' && !isHttpUrl(rawPublicUrl)) {
    errors.push(`PUBLIC_URL must be an absolute http(s) URL (got "${rawPublicUrl}")`);
  }
  const publicUrl = rawPublicUrl === '' ? `http://localhost:${port}` : rawPublicUrl;

  const clientId = env.INTROSPECTION_CLIENT_ID ?? '';
  const clientSecret = env.INTROSPECTION_CLIENT_SECRET ?? '';
  if (clientId !== '' && clientSecret === '') {
    errors.push('INTROSPECTION_CLIENT_SECRET is required when INTROSPECTION_CLIENT_ID is set');
  }
  if (clientSecret !== '' && clientId === '') {
    errors.push('INTROSPECTION_CLIENT_ID is required when INTROSPECTION_CLIENT_SECRET is set');
  }

  if (errors.length > 0) return { ok: false, errors };
  const options: DemoApiOptions = {
    issuer,
    audience,
    publicUrl,
    ...(clientId === ''
      ? {}
      : {
          introspection: {
            endpoint: `${issuer.replace(/\/+$/, '')}/token/introspection`,
            clientId,
            clientSecret,
          },
        }),
  };
  return { ok: true, config: { port, options } };
}
