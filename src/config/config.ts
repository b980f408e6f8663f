import { resolve } from 'node:path';
import { PRIVATE_RANGES, parseProxyList } from '../http/proxy-trust.ts';
import type { SelfServiceRates } from '../self-service/self-service-limits.ts';
import { environmentSchema } from './schema.ts';
import { hostList, outboundCa } from './outbound-settings.ts';
import { ANY_DOMAIN, parseDomainPolicy, type DomainPolicy } from '../cimd/domain-policy.ts';

/** FAPI 2.0 Security Profile §5.3.2.1: authorization codes live at most 60 seconds. */
const FAPI2_LONGEST_CODE_TTL = 60;

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  /** ISSUER is https: cookies are Secure, and plain-http requests are refused. */
  readonly issuerIsHttps: boolean;
  /** SECURITY_PROFILE: `fapi2` applies the FAPI 2.0 Security Profile (src/oidc/fapi2-profile.ts). */
  readonly securityProfile: 'default' | 'fapi2';
  /** TLS_CERT_FILE / TLS_KEY_FILE: both listeners serve HTTPS themselves (reloaded when the files change). */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly database: { readonly url: string; readonly poolSize: number } | { readonly embeddedDir: string };
  /** No DATABASE_URL: the embedded PGlite under DATA_DIR, one process at a time. */
  readonly embeddedDatabase: boolean;
  readonly redis: { readonly url: string; readonly cluster: boolean; readonly keyPrefix: string } | { readonly embedded: true; readonly keyPrefix: string };
  readonly dataDir: string;
  /** Explicit cookie keys, or undefined to generate and store them (development only). */
  readonly cookieKeys: readonly string[] | undefined;
  /** Addresses and CIDR ranges of the proxies whose X-Forwarded-* headers are believed; empty: none. */
  readonly trustProxy: readonly string[];
  /** Hosts (`host` or `host:port`) that outbound requests may reach on private or loopback addresses. */
  readonly outboundAllowHosts: readonly string[];
  /** OUTBOUND_CA_FILE: certificates trusted for outgoing https besides the default CAs. */
  readonly outboundCa: { readonly file: string; readonly certificates: readonly string[] } | undefined;
  /** OAuth Client ID Metadata Documents (src/cimd/): an https URL as client_id, its document fetched. */
  readonly clientIdMetadataDocuments: {
    readonly enabled: boolean;
    /** Document hosts (`host` or `host:port`) that may be on private or loopback addresses. */
    readonly allowHosts: readonly string[];
    readonly domains: DomainPolicy;
    readonly fetchesPerHostPerMinute: number;
  };
  readonly migrateOnStart: boolean;
  readonly logLevel: string;
  readonly ttl: {
    readonly accessToken: number;
    readonly authorizationCode: number;
    readonly idToken: number;
    readonly refreshToken: number;
    readonly clientCredentials: number;
    readonly session: number;
    readonly interaction: number;
    readonly grant: number;
    /** Seconds after its first use in which a rotated refresh token works again (0: never, reuse revokes). */
    readonly refreshTokenReuseGrace: number;
  };
  readonly authorizationRequests: {
    readonly rateLimit: number;
    readonly rateWindowSeconds: number;
    readonly maxParameterLength: number;
    readonly maxTotalLength: number;
  };
  readonly http: { readonly headersTimeoutMs: number; readonly requestTimeoutMs: number; readonly maxConnections: number };
  /** Encrypts private signing keys and stored cookie keys at rest; undefined: stored as they are. */
  readonly keyEncryptionKey: string | undefined;
  /** SIGNING_KEY_ROTATION_DAYS: automatic signing-key rotation period; undefined: only when asked. */
  readonly signingKeyRotationDays: number | undefined;
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  readonly loginThrottle: LoginLimits;
  readonly passwordHashQueue: { readonly concurrency: number; readonly waitTimeoutMs: number };
  /** The admin API's own listener, and the resource its tokens are issued for. */
  readonly admin: { readonly port: number; readonly host: string; readonly resource: string; readonly tokenTtl: number };
  readonly auditRetentionDays: number;
  /** Dynamic client registration (RFC 7591): off, with an initial access token, or open (rate limited per address per hour). */
  readonly registration: { readonly mode: 'off' | 'initial-access-token' | 'open'; readonly ratePerHour: number };
  /** The rules every new password meets (accounts/password-policy.ts). */
  readonly passwordPolicy: { readonly minLength: number };
  /** What people may do on their own: sign up, reset a forgotten password; whether sign-in needs a verified address. */
  readonly selfService: { readonly signup: boolean; readonly passwordReset: boolean; readonly requireVerifiedEmail: boolean; readonly rates: SelfServiceRates };
  /** The device authorization grant (RFC 8628): device code lifetime, the `interval` clients poll at, wrong user codes allowed per address per 10 minutes. */
  readonly deviceFlow: { readonly enabled: boolean; readonly codeTtl: number; readonly pollIntervalSeconds: number; readonly wrongCodesPerAddressPer10Minutes: number };
  /** Outgoing mail: SMTP, or `.eml` files in `outboxDir` (development only). */
  readonly mail: { readonly smtpUrl: string | undefined; readonly from: string; readonly outboxDir: string };
  /** What every page and mail shows of the operator's brand. */
  readonly branding: Branding;
  /** Templates that replace views/ ones of the same name; undefined: Portcullis's own only. */
  readonly viewsOverrideDir: string | undefined;
  /** DEFAULT_LANGUAGE: the pages' language when a request asks for none there are strings for. */
  readonly defaultLanguage: string;
}

export interface Branding {
  readonly productName: string;
  readonly logoUrl: string | undefined;
  readonly accentColor: string;
  readonly supportUrl: string | undefined;
}

/** The sign-in limits (F5): see interactions/login-throttle.ts. */
export interface LoginLimits {
  /** Failures per (email, address) per window. */
  readonly maxAttempts: number;
  readonly windowSeconds: number;
  /** Failures per address, across all emails, per window. */
  readonly maxFailuresPerAddress: number;
  readonly addressWindowSeconds: number;
  /** Failures per email from addresses not known for it, per window. */
  readonly maxFailuresPerAccount: number;
  readonly accountWindowSeconds: number;
  /** How long a successful sign-in makes its address known for that email. */
  readonly knownAddressSeconds: number;
  /** Sign-ins one address may have in flight in this process. */
  readonly maxInFlightPerAddress: number;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const MIN_KEY_ENCRYPTION_KEY_LENGTH = 32;
const MIN_COOKIE_KEY_LENGTH = 32;

/**
 * Reads the whole configuration from environment variables. Every problem is collected and
 * reported at once, each naming its variable; nothing is read from the environment afterwards.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`));
  }
  const env = parsed.data;
  const problems: string[] = [];

  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const issuerUrl = new URL(issuer);
  if (issuerUrl.search || issuerUrl.hash) problems.push('ISSUER: must not contain a query or fragment');
  if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) problems.push('TLS_CERT_FILE and TLS_KEY_FILE: set both (PEM certificate chain and private key) or neither');
  if (env.TLS_CERT_FILE && issuerUrl.protocol !== 'https:') problems.push('ISSUER: must be https when the server serves TLS itself (TLS_CERT_FILE)');
  if (env.SECURITY_PROFILE === 'fapi2') {
    if (env.AUTHORIZATION_CODE_TTL > FAPI2_LONGEST_CODE_TTL) problems.push(`AUTHORIZATION_CODE_TTL: at most ${FAPI2_LONGEST_CODE_TTL} seconds with SECURITY_PROFILE=fapi2`);
    if (env.NODE_ENV === 'production' && issuerUrl.protocol !== 'https:') problems.push('ISSUER: must be https with SECURITY_PROFILE=fapi2');
  }

  const cookieKeys = env.COOKIE_KEYS?.split(',').map((key) => key.trim()).filter(Boolean);
  if (cookieKeys && cookieKeys.some((key) => key.length < MIN_COOKIE_KEY_LENGTH)) {
    problems.push(`COOKIE_KEYS: every key must be at least ${MIN_COOKIE_KEY_LENGTH} characters (comma-separated, newest first)`);
  }

  const trustProxy = trustedProxies(env.TRUST_PROXY, env.NODE_ENV === 'production', problems);
  const caBundle = outboundCa(env.OUTBOUND_CA_FILE, problems);
  const metadataDocumentHosts = hostList('CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS', env.CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS, problems);
  const domains = parseDomainPolicy(env.CLIENT_ID_METADATA_DOCUMENT_DOMAINS);
  if ('problems' in domains) problems.push(...domains.problems.map((problem) => `CLIENT_ID_METADATA_DOCUMENT_DOMAINS: ${problem}`));
  if (env.KEY_ENCRYPTION_KEY !== undefined && env.KEY_ENCRYPTION_KEY.length < MIN_KEY_ENCRYPTION_KEY_LENGTH) {
    problems.push(`KEY_ENCRYPTION_KEY: must be at least ${MIN_KEY_ENCRYPTION_KEY_LENGTH} characters (for example 32 random bytes, base64url)`);
  }

  if (env.NODE_ENV === 'production') {
    if (!env.DATABASE_URL) problems.push('DATABASE_URL: required in production (the embedded database is for development only)');
    if (!env.REDIS_URL) problems.push('REDIS_URL: required in production (the embedded store is single-instance and not persistent)');
    if (!cookieKeys) problems.push('COOKIE_KEYS: required in production (generated cookie keys are for development only)');
    if (!env.ISSUER) problems.push('ISSUER: required in production (the public https URL of this server)');
    if (!env.KEY_ENCRYPTION_KEY) problems.push('KEY_ENCRYPTION_KEY: required in production (private signing keys must not be stored in the clear)');
    if (issuerUrl.protocol === 'http:' && !LOOPBACK_HOSTS.has(issuerUrl.hostname)) {
      problems.push('ISSUER: must use https in production unless the host is loopback');
    }
    if (!env.SMTP_URL && (env.SIGNUP === 'on' || env.PASSWORD_RESET === 'on')) {
      problems.push('SMTP_URL: required in production while SIGNUP or PASSWORD_RESET is on (they mail people links); or set both to off');
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(env.DATA_DIR);
  return deepFreeze({
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    issuer,
    issuerIsHttps: issuerUrl.protocol === 'https:',
    securityProfile: env.SECURITY_PROFILE,
    tls: env.TLS_CERT_FILE && env.TLS_KEY_FILE ? { certFile: resolve(env.TLS_CERT_FILE), keyFile: resolve(env.TLS_KEY_FILE) } : undefined,
    embeddedDatabase: !env.DATABASE_URL,
    database: env.DATABASE_URL
      ? { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : { embeddedDir: resolve(dataDir, 'pglite') },
    redis: env.REDIS_URL
      ? { url: env.REDIS_URL, cluster: env.REDIS_CLUSTER, keyPrefix: env.REDIS_KEY_PREFIX }
      : { embedded: true as const, keyPrefix: env.REDIS_KEY_PREFIX },
    dataDir,
    cookieKeys,
    trustProxy,
    outboundAllowHosts: env.OUTBOUND_ALLOW_HOSTS.split(',').map((host) => host.trim()).filter(Boolean),
    outboundCa: caBundle,
    clientIdMetadataDocuments: {
      enabled: env.CLIENT_ID_METADATA_DOCUMENTS === 'on',
      allowHosts: metadataDocumentHosts,
      domains: 'policy' in domains ? domains.policy : ANY_DOMAIN,
      fetchesPerHostPerMinute: env.CLIENT_ID_METADATA_DOCUMENT_RATE_LIMIT,
    },
    migrateOnStart: env.MIGRATE_ON_START,
    logLevel: env.LOG_LEVEL,
    ttl: {
      accessToken: env.ACCESS_TOKEN_TTL,
      authorizationCode: env.AUTHORIZATION_CODE_TTL,
      idToken: env.ID_TOKEN_TTL,
      refreshToken: env.REFRESH_TOKEN_TTL,
      clientCredentials: env.CLIENT_CREDENTIALS_TTL,
      session: env.SESSION_TTL,
      interaction: env.INTERACTION_TTL,
      grant: env.GRANT_TTL,
      refreshTokenReuseGrace: env.REFRESH_TOKEN_REUSE_GRACE,
    },
    authorizationRequests: {
      rateLimit: env.AUTHORIZATION_RATE_LIMIT,
      rateWindowSeconds: env.AUTHORIZATION_RATE_WINDOW,
      maxParameterLength: env.AUTHORIZATION_MAX_PARAMETER_LENGTH,
      maxTotalLength: env.AUTHORIZATION_MAX_LENGTH,
    },
    keyEncryptionKey: env.KEY_ENCRYPTION_KEY,
    signingKeyRotationDays: env.SIGNING_KEY_ROTATION_DAYS,
    http: { headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS, maxConnections: env.HTTP_MAX_CONNECTIONS },
    argon2: { memoryCost: env.ARGON2_MEMORY_KIB, timeCost: env.ARGON2_ITERATIONS, parallelism: env.ARGON2_PARALLELISM },
    loginThrottle: {
      maxAttempts: env.LOGIN_MAX_ATTEMPTS,
      windowSeconds: env.LOGIN_ATTEMPT_WINDOW,
      maxFailuresPerAddress: env.LOGIN_MAX_FAILURES_PER_ADDRESS,
      addressWindowSeconds: env.LOGIN_ADDRESS_WINDOW,
      maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      accountWindowSeconds: env.LOGIN_ACCOUNT_WINDOW,
      knownAddressSeconds: env.LOGIN_KNOWN_ADDRESS_TTL,
      maxInFlightPerAddress: env.LOGIN_MAX_IN_FLIGHT_PER_ADDRESS,
    },
    passwordHashQueue: { concurrency: env.PASSWORD_HASH_CONCURRENCY, waitTimeoutMs: env.PASSWORD_HASH_QUEUE_TIMEOUT_MS },
    admin: { port: env.ADMIN_PORT, host: env.ADMIN_HOST, resource: env.ADMIN_RESOURCE, tokenTtl: env.ADMIN_TOKEN_TTL },
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    registration: { mode: env.REGISTRATION, ratePerHour: env.REGISTRATION_RATE_LIMIT },
    passwordPolicy: { minLength: env.PASSWORD_MIN_LENGTH },
    selfService: {
      signup: env.SIGNUP === 'on',
      passwordReset: env.PASSWORD_RESET === 'on',
      requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL,
      rates: {
        signUpsPerAddressPerHour: env.SIGNUP_RATE_LIMIT,
        mailsPerAddressPerHour: env.MAIL_RATE_LIMIT_PER_ADDRESS,
        mailsPerRecipientPerHour: env.MAIL_RATE_LIMIT_PER_RECIPIENT,
        linkUsesPerAddressPer10Minutes: env.LINK_RATE_LIMIT,
      },
    },
    deviceFlow: {
      enabled: env.DEVICE_FLOW === 'on',
      codeTtl: env.DEVICE_CODE_TTL,
      pollIntervalSeconds: env.DEVICE_POLL_INTERVAL,
      wrongCodesPerAddressPer10Minutes: env.DEVICE_CODE_RATE_LIMIT,
    },
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM ?? `${env.PRODUCT_NAME} <no-reply@${issuerUrl.hostname}>`, outboxDir: resolve(dataDir, 'outbox') },
    branding: { productName: env.PRODUCT_NAME, logoUrl: env.LOGO_URL, accentColor: env.ACCENT_COLOR, supportUrl: env.SUPPORT_URL },
    viewsOverrideDir: env.VIEWS_OVERRIDE_DIR ? resolve(env.VIEWS_OVERRIDE_DIR) : undefined,
    defaultLanguage: env.DEFAULT_LANGUAGE,
  });
}

/**
 * TRUST_PROXY: "false" trusts nobody; "true" trusts loopback and the private ranges (development
 * only: in production a published container port reaches the server from a private gateway
 * address, so "true" would let anyone forge X-Forwarded-For); otherwise a list of addresses/CIDRs.
 */
function trustedProxies(value: string, production: boolean, problems: string[]): string[] {
  const normalized = value.trim().toLowerCase();
  if (['false', '0', 'no', ''].includes(normalized)) return [];
  if (['true', '1', 'yes'].includes(normalized)) {
    if (production) problems.push('TRUST_PROXY: "true" is refused in production; list your proxies\' addresses or CIDR ranges (e.g. 10.0.0.5,10.1.0.0/16)');
    return [...PRIVATE_RANGES];
  }
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const parsed = parseProxyList(entries);
  if ('problems' in parsed) problems.push(...parsed.problems.map((problem) => `TRUST_PROXY: ${problem}`));
  return entries;
}

/** Loads `.env` from the working directory when present; real environment variables win. */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
