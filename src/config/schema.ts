import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

const DAY = 24 * 60 * 60;

/** `en`, `fr`, `pt-BR`: a BCP 47 tag, as the names of the strings files are. */
function isLanguageTag(tag: string): boolean {
  if (!/^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i.test(tag)) return false;
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** Every environment variable Portcullis reads, with its default. Documented in the README. */
export const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SECURITY_PROFILE: z.enum(['default', 'fapi2']).default('default'),
  // PEM files; both or neither. Reloaded when they change.
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_CLUSTER: flag(false),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{0,64}$/, 'letters, digits, ":", "_" and "-" only').default('portcullis:'),
  DATA_DIR: z.string().min(1).default('./data'),
  COOKIE_KEYS: z.string().optional(),
  // "false", "true" (loopback and private ranges; development only) or addresses/CIDRs, comma-separated.
  TRUST_PROXY: z.string().default('false'),
  // host or host:port, comma-separated: outbound requests (back-channel logout, jwks_uri) that may reach private addresses.
  OUTBOUND_ALLOW_HOSTS: z.string().default(''),
  // A PEM bundle trusted for outgoing https on top of the default CAs (an intranet's own CA).
  OUTBOUND_CA_FILE: z.string().min(1).optional(),
  // OAuth Client ID Metadata Documents: an https URL as client_id, fetched (src/cimd/).
  CLIENT_ID_METADATA_DOCUMENTS: z.enum(['on', 'off']).default('on'),
  // host or host:port, comma-separated: document hosts that may be on private or loopback addresses.
  CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: z.string().default(''),
  // any, or host names, *.domains and !denied ones, comma-separated (src/cimd/domain-policy.ts).
  CLIENT_ID_METADATA_DOCUMENT_DOMAINS: z.string().default('any'),
  // Document fetches per host per minute, shared through Redis.
  CLIENT_ID_METADATA_DOCUMENT_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(30),
  MIGRATE_ON_START: flag(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Unset: readable lines on a terminal in development, JSON otherwise (src/observability/log-format.ts).
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  ACCESS_TOKEN_TTL: seconds(3600),
  AUTHORIZATION_CODE_TTL: seconds(60),
  ID_TOKEN_TTL: seconds(3600),
  REFRESH_TOKEN_TTL: seconds(14 * DAY),
  // Seconds; 0 = strict rotation (RFC 9700 §4.14.2). Short by design: a leaked token works too meanwhile.
  REFRESH_TOKEN_REUSE_GRACE: z.coerce.number().int().min(0).max(300).default(0),
  CLIENT_CREDENTIALS_TTL: seconds(600),
  SESSION_TTL: seconds(14 * DAY),
  INTERACTION_TTL: seconds(10 * 60),
  GRANT_TTL: seconds(14 * DAY),
  AUTHORIZATION_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  AUTHORIZATION_RATE_WINDOW: seconds(60),
  AUTHORIZATION_MAX_PARAMETER_LENGTH: z.coerce.number().int().min(256).max(65_536).default(2048),
  AUTHORIZATION_MAX_LENGTH: z.coerce.number().int().min(1024).max(57_344).default(8192),
  KEY_ENCRYPTION_KEY: z.string().optional(),
  // Unset: signing keys rotate only when asked (src/keys/).
  SIGNING_KEY_ROTATION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(10_000),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(19456).default(19456),
  ARGON2_ITERATIONS: z.coerce.number().int().min(2).default(2),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1),
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  LOGIN_ATTEMPT_WINDOW: seconds(15 * 60),
  // Without Redis, each limiter key is a timer, and a Node timer cannot run longer than 24.8 days.
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  LOGIN_ADDRESS_WINDOW: z.coerce.number().int().positive().max(24 * DAY).default(60 * 60),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(20),
  LOGIN_ACCOUNT_WINDOW: z.coerce.number().int().positive().max(24 * DAY).default(60 * 60),
  LOGIN_KNOWN_ADDRESS_TTL: z.coerce.number().int().positive().max(24 * DAY).default(14 * DAY),
  LOGIN_MAX_IN_FLIGHT_PER_ADDRESS: z.coerce.number().int().min(1).default(16),
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  ADMIN_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_RESOURCE: z.string().min(1).max(2048).refine((value) => URL.canParse(value) && !value.includes('#'), 'must be an absolute URI without a fragment').default('urn:portcullis:admin'),
  ADMIN_TOKEN_TTL: z.coerce.number().int().positive().max(3600).default(300),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  REGISTRATION: z.enum(['off', 'initial-access-token', 'open']).default('initial-access-token'),
  REGISTRATION_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  PASSWORD_HASH_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(2000),
  // NIST SP 800-63B rev. 4: 15 for a password used alone; at most 64 may be required (64 must be allowed).
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(15),
  SIGNUP: z.enum(['on', 'off']).default('on'),
  PASSWORD_RESET: z.enum(['on', 'off']).default('on'),
  REQUIRE_VERIFIED_EMAIL: flag(true),
  SIGNUP_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  MAIL_RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  MAIL_RATE_LIMIT_PER_RECIPIENT: z.coerce.number().int().min(1).default(5),
  LINK_RATE_LIMIT: z.coerce.number().int().min(1).default(30),
  DEVICE_FLOW: z.enum(['on', 'off']).default('on'),
  // At most a day: expired codes are remembered a while past it, and without Redis each is a timer.
  DEVICE_CODE_TTL: z.coerce.number().int().positive().max(DAY).default(600),
  DEVICE_POLL_INTERVAL: z.coerce.number().int().min(1).max(60).default(5),
  DEVICE_CODE_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  // Unset: mail is written to DATA_DIR/outbox/ as .eml files (development only).
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  // Unset: "<product name> <no-reply@ISSUER's host>".
  MAIL_FROM: z.string().min(3).max(320).optional(),
  // Branding of every page and mail (docs/branding.md).
  PRODUCT_NAME: z.string().trim().min(1).max(60).regex(/^[^<>"&\p{Cc}]+$/u, 'no <, >, ", & or control characters').default('Portcullis'),
  LOGO_URL: z.string().regex(/^(https:\/\/[^\s"'<>]+|\/[^\s"'<>/][^\s"'<>]*)$/, 'an https:// URL or a path on the issuer such as /brand/logo.svg').optional(),
  ACCENT_COLOR: z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'a hex colour such as #3b5bdb').default('#3b5bdb'),
  SUPPORT_URL: z.url({ protocol: /^(https?|mailto)$/ }).optional(),
  // A folder whose templates (same names as views/) replace Portcullis's own, one by one.
  VIEWS_OVERRIDE_DIR: z.string().min(1).optional(),
  // The pages' language when a request asks for none there are strings for (docs/branding.md).
  DEFAULT_LANGUAGE: z
    .string()
    .refine(isLanguageTag, 'a language tag such as en, fr or pt-BR')
    .transform((tag) => Intl.getCanonicalLocales(tag)[0]!)
    .default('en'),
});

export type Environment = z.infer<typeof environmentSchema>;
