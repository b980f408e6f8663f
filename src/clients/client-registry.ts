import { randomBytes } from 'node:crypto';
import type { ChangeFeed } from '../cache/change-feed.ts';
import type { LookupCache } from '../cache/lookup-cache.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { afterPosition, toPage, type Page, type PageRequest } from '../db/keyset.ts';
import { AppError } from '../errors/app-error.ts';
import { unsafeJson } from '../http/json-safety.ts';
import { isSafeIdentifier } from '../http/safe-text.ts';
import { allowedScopesOf, audienceOf, providerMetadataOf, toClientRecord, type ClientMetadata, type ClientRecord } from './client-record.ts';
import { enforceClientPolicy, validClientId } from './client-policy.ts';
import { MIN_CLIENT_SECRET_LENGTH, generateClientSecret, hashClientSecret } from './client-secret.ts';
import { ClientNotFoundError, InvalidClientMetadataError } from './errors.ts';

export type { ClientMetadata, ClientRecord } from './client-record.ts';
export { ClientNotFoundError, InvalidClientMetadataError } from './errors.ts';

export interface SecretRotation {
  readonly client_id: string;
  readonly client_secret: string;
  /** Until when the previous secret is still accepted; null when it stopped at once. */
  readonly previous_secret_expires_at: string | null;
}

/** The longest overlap of an old and a new client secret: 30 days. */
export const MAX_SECRET_OVERLAP_SECONDS = 30 * 24 * 60 * 60;
const SECRET_USE_RESOLUTION_MS = 60_000;

/** RFC 7591 registration response: client_id, client_secret when newly issued, and all metadata. */
export type RegistrationResponse = ClientMetadata & { client_id_issued_at: number; client_secret_expires_at?: number };

/** Checks metadata the way the provider will use it, and returns it with every default filled in. */
export interface ClientValidator {
  normalize(metadata: ClientMetadata): Promise<ClientMetadata>;
  needsSecret(metadata: Record<string, unknown>): boolean;
}

/** Ends everything issued to a client (its grants and tokens in the artifact store). */
export interface ClientRevoker {
  revokeClient(clientId: string): Promise<void>;
}

export interface ClientRegistryOptions {
  /** Resolved at first use: the provider that validates metadata is built after this registry. */
  readonly validator: () => ClientValidator;
  readonly cache?: LookupCache<ClientRecord> | undefined;
  readonly changes?: ChangeFeed | undefined;
  readonly revoker?: ClientRevoker | undefined;
  readonly production?: boolean | undefined;
  /** The admin API's resource identifier: only admin clients may name it. */
  readonly adminResource?: string | undefined;
  /** Clients Portcullis itself runs (the account page): found like any other, never changed or deleted by an admin. */
  readonly builtIn?: readonly ClientRecord[] | undefined;
}

/** 128 random bits, base64url, never starting with "-" (it would read as an option on a command line). */
export function generateClientId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Client metadata that Portcullis enforces itself and oidc-provider never sees. */
const PORTCULLIS_FIELDS: ReadonlySet<string> = new Set(['scope', 'admin']);

const SERVER_MANAGED = ['client_id_issued_at', 'client_secret_expires_at', 'registration_access_token', 'registration_client_uri'];

const asObject = (input: unknown, what: string): Record<string, unknown> => {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidClientMetadataError(`${what} must be a JSON object`);
  const unsafe = unsafeJson(input);
  if (unsafe) throw new InvalidClientMetadataError(unsafe);
  return { ...(input as Record<string, unknown>) };
};

/** Whether `after` takes away a scope or an API that `before` allowed. */
function narrows(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  const allowedAfter = allowedScopesOf(after);
  const audienceAfter = new Set(audienceOf(after));
  return [...allowedScopesOf(before)].some((scope) => !allowedAfter.has(scope)) || audienceOf(before).some((api) => !audienceAfter.has(api));
}

/** RFC 7396 JSON merge patch of one level of client metadata: `null` removes a field. */
function mergePatch(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/**
 * The one owner of client registrations: policy, secret hashing, storage, the cached lookup the
 * provider reads through, and revocation of everything a deleted client was issued.
 */
export class ClientRegistry {
  readonly #prisma: PrismaClient;
  readonly #options: ClientRegistryOptions;
  readonly #lastUseWrites = new Map<string, number>();
  readonly #builtIn: ReadonlyMap<string, ClientRecord>;

  constructor(prisma: PrismaClient, options: ClientRegistryOptions) {
    this.#prisma = prisma;
    this.#options = options;
    this.#builtIn = new Map((options.builtIn ?? []).map((record) => [record.metadata.client_id, record]));
  }

  #refuseBuiltIn(clientId: unknown): void {
    if (typeof clientId === 'string' && this.#builtIn.has(clientId)) throw new InvalidClientMetadataError(`client_id ${clientId} is reserved for Portcullis itself`);
  }

  /** Problems with `metadata` that are refused in production and only reported in development. */
  warningsFor(metadata: unknown): string[] {
    try {
      return enforceClientPolicy(asObject(metadata, 'client metadata'), { production: false });
    } catch {
      return [];
    }
  }

  async create(input: unknown): Promise<RegistrationResponse> {
    const metadata = asObject(input, 'client metadata');
    for (const field of SERVER_MANAGED) delete metadata[field];
    metadata.client_id = validClientId(metadata.client_id ?? generateClientId());
    this.#refuseBuiltIn(metadata.client_id);
    const { normalized, secret } = await this.#prepare(metadata, { keepSecretHash: undefined });
    const stored = await this.#prisma.client.createMany({
      data: [{ clientId: normalized.client_id, metadata: normalized as Prisma.InputJsonObject, secretHash: secret.hash ?? null }],
      skipDuplicates: true,
    });
    if (stored.count === 0) throw new InvalidClientMetadataError(`client_id ${normalized.client_id} is already registered`);
    // A client deleted while an instance cached it must not come back from that cache.
    await this.#changed(normalized.client_id);
    return this.#response(normalized, secret.plain, Math.floor(Date.now() / 1000));
  }

  /**
   * Changes a client in place (RFC 7396 merge patch of its metadata; `client_id` cannot change).
   * A client that becomes confidential gets a new secret, returned once; one that becomes public
   * loses its secret. Taking away a scope or an API revokes the client's grants and tokens.
   */
  async update(clientId: string, patchInput: unknown): Promise<RegistrationResponse> {
    this.#refuseBuiltIn(clientId);
    const current = await this.#load(clientId);
    if (!current) throw new ClientNotFoundError(`no client ${clientId}`);
    const patch = asObject(patchInput, 'client metadata patch');
    for (const field of SERVER_MANAGED) delete patch[field];
    if (patch.client_id !== undefined && patch.client_id !== clientId) throw new InvalidClientMetadataError('client_id cannot be changed');
    if (patch.client_secret !== undefined) throw new InvalidClientMetadataError('client_secret cannot be set by an update; rotate the secret instead');
    const metadata = mergePatch(current.metadata, patch);
    metadata.client_id = clientId;
    const { normalized, secret } = await this.#prepare(metadata, { keepSecretHash: current.secretHash });
    await this.#prisma.client.update({
      where: { clientId },
      data: { metadata: normalized as Prisma.InputJsonObject, secretHash: secret.hash ?? null },
    });
    await this.#changed(clientId);
    // Grants already given may hold what the client may no longer have: they end, and users consent again.
    if (narrows(current.metadata, normalized)) await this.#options.revoker?.revokeClient(clientId);
    return this.#response(normalized, secret.plain, Math.floor(current.createdAt.getTime() / 1000));
  }

  /**
   * Issues a new secret for a confidential client. The old one keeps working for
   * `previousSecretValidFor` seconds (default 0: it stops at once), on every instance.
   */
  async rotateSecret(clientId: string, { previousSecretValidFor = 0 }: { previousSecretValidFor?: number } = {}): Promise<SecretRotation> {
    if (!Number.isInteger(previousSecretValidFor) || previousSecretValidFor < 0 || previousSecretValidFor > MAX_SECRET_OVERLAP_SECONDS) {
      throw new AppError('invalid_input', `previous_secret_valid_for must be a whole number of seconds from 0 to ${MAX_SECRET_OVERLAP_SECONDS}`, { fields: [{ pointer: '/previous_secret_valid_for', message: 'out of range' }] });
    }
    this.#refuseBuiltIn(clientId);
    const current = await this.#load(clientId);
    if (!current) throw new ClientNotFoundError(`no client ${clientId}`);
    if (!current.secretHash) throw new InvalidClientMetadataError(`client ${clientId} is public and has no secret`);
    const plain = generateClientSecret();
    const expiresAt = previousSecretValidFor > 0 ? new Date(Date.now() + previousSecretValidFor * 1000) : null;
    await this.#prisma.client.update({
      where: { clientId },
      data: {
        secretHash: hashClientSecret(plain),
        secretLastUsedAt: null,
        previousSecretHash: expiresAt ? current.secretHash : null,
        previousSecretExpiresAt: expiresAt,
        previousSecretLastUsedAt: expiresAt ? (current.secretLastUsedAt ?? null) : null,
        // No overlap is what a leaked secret calls for: what was issued with it ends too.
        ...(expiresAt ? {} : { credentialsRevokedAt: new Date() }),
      },
    });
    await this.#changed(clientId);
    return { client_id: clientId, client_secret: plain, previous_secret_expires_at: expiresAt?.toISOString() ?? null };
  }

  /**
   * Notes that a secret was used, at most once a minute per secret and instance, and only when the
   * stored time is older than that, so a busy client costs one write a minute.
   */
  async recordSecretUse(clientId: string, which: 'current' | 'previous'): Promise<void> {
    const gate = `${which}:${clientId}`;
    const now = Date.now();
    if ((this.#lastUseWrites.get(gate) ?? 0) > now - SECRET_USE_RESOLUTION_MS) return;
    this.#lastUseWrites.set(gate, now);
    if (this.#lastUseWrites.size > 10_000) this.#lastUseWrites.clear();
    const field = which === 'current' ? 'secretLastUsedAt' : 'previousSecretLastUsedAt';
    const stale = new Date(now - SECRET_USE_RESOLUTION_MS);
    await this.#prisma.client.updateMany({ where: { clientId, OR: [{ [field]: null }, { [field]: { lt: stale } }] }, data: { [field]: new Date(now) } });
  }

  /** The registration for `clientId`, cached; dropped on every instance when it changes. */
  async find(clientId: string): Promise<ClientRecord | undefined> {
    const builtIn = this.#builtIn.get(clientId);
    if (builtIn) return builtIn;
    const cache = this.#options.cache;
    return cache ? cache.get(clientId, (key) => this.#load(key)) : this.#load(clientId);
  }

  /**
   * Stores what oidc-provider's dynamic registration (RFC 7591/7592) validated: the provider has
   * already applied its rules and Portcullis's (oidc/dynamic-registration.ts). The secret it issued
   * is kept only as a hash; on an update it hands back the stored hash, which is kept as it is.
   */
  async saveRegistered(clientId: string, payload: Record<string, unknown>): Promise<void> {
    this.#refuseBuiltIn(clientId);
    const { client_secret: secret, client_secret_expires_at: _never, client_id_issued_at: _issued, registration_access_token: _token, registration_client_uri: _uri, ...rest } = payload;
    const current = await this.#load(clientId);
    const secretHash = typeof secret !== 'string' ? null : secret === current?.secretHash ? secret : hashClientSecret(secret);
    const metadata = { ...rest, client_id: clientId } as Prisma.InputJsonObject;
    await this.#prisma.client.upsert({ where: { clientId }, create: { clientId, metadata, secretHash }, update: { metadata, secretHash } });
    await this.#changed(clientId);
  }

  /** The registration as stored now, bypassing the cache (what an admin reads). */
  read(clientId: string): Promise<ClientRecord | undefined> {
    return this.#load(clientId);
  }

  async list(): Promise<ClientMetadata[]> {
    const rows = await this.#prisma.client.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map((row) => row.metadata as ClientMetadata);
  }

  async page(request: PageRequest): Promise<Page<ClientRecord>> {
    const rows = await this.#prisma.client.findMany({ where: afterPosition('clientId', request.after), orderBy: [{ createdAt: 'asc' }, { clientId: 'asc' }], take: request.limit + 1 });
    const page = toPage(rows, request.limit, (row) => ({ createdAt: row.createdAt, key: row.clientId }));
    return { items: page.items.map(toClientRecord), next: page.next };
  }

  count(): Promise<number> {
    return this.#prisma.client.count();
  }

  async show(clientId: string): Promise<ClientMetadata> {
    const record = await this.#load(clientId);
    if (!record) throw new ClientNotFoundError(`no client ${clientId}`);
    return record.metadata;
  }

  /** Deletes a client and revokes every grant and token it was issued, so re-creating its id revives nothing. */
  async delete(clientId: string): Promise<void> {
    this.#refuseBuiltIn(clientId);
    const { count } = await this.#prisma.client.deleteMany({ where: { clientId } });
    if (count === 0) throw new ClientNotFoundError(`no client ${clientId}`);
    await this.#changed(clientId);
    await this.#options.revoker?.revokeClient(clientId);
  }

  async #load(clientId: string): Promise<ClientRecord | undefined> {
    if (!isSafeIdentifier(clientId)) return undefined;
    const row = await this.#prisma.client.findUnique({ where: { clientId } });
    return row ? toClientRecord(row) : undefined;
  }

  async #prepare(metadata: Record<string, unknown>, { keepSecretHash }: { keepSecretHash: string | undefined }) {
    enforceClientPolicy(metadata, { production: this.#options.production === true, adminResource: this.#options.adminResource });
    const validator = this.#options.validator();
    const secret: { plain?: string; hash?: string } = {};
    if (validator.needsSecret(metadata)) {
      const chosen = metadata.client_secret;
      if (chosen !== undefined && (typeof chosen !== 'string' || chosen.length < MIN_CLIENT_SECRET_LENGTH)) {
        throw new InvalidClientMetadataError(`client_secret must be at least ${MIN_CLIENT_SECRET_LENGTH} characters (or omit it to have one generated)`);
      }
      if (typeof chosen === 'string') secret.plain = chosen;
      else if (!keepSecretHash) secret.plain = generateClientSecret();
      secret.hash = secret.plain === undefined ? keepSecretHash : hashClientSecret(secret.plain);
    }
    delete metadata.client_secret;
    // The provider checks exactly what it will be given.
    const checked = await validator.normalize(providerMetadataOf(metadata as ClientMetadata, secret.hash) as ClientMetadata);
    // The provider drops what it does not know; a typo must not pass silently.
    const unknown = Object.keys(metadata).filter((key) => !(key in checked) && !PORTCULLIS_FIELDS.has(key));
    if (unknown.length > 0) throw new InvalidClientMetadataError(`unknown client metadata: ${unknown.slice(0, 5).join(', ')}`);
    const { client_secret: _hash, scope: _oidcPart, ...normalized } = checked;
    const { scope, admin } = metadata;
    return { normalized: { ...normalized, ...(scope === undefined ? {} : { scope }), ...(admin === true ? { admin } : {}) } as ClientMetadata, secret };
  }

  #response(metadata: ClientMetadata, plainSecret: string | undefined, issuedAt: number): RegistrationResponse {
    return {
      ...metadata,
      ...(plainSecret ? { client_secret: plainSecret, client_secret_expires_at: 0 } : {}),
      client_id_issued_at: issuedAt,
    };
  }

  async #changed(clientId: string): Promise<void> {
    this.#options.cache?.invalidate(clientId);
    await this.#options.changes?.publish({ kind: 'client', id: clientId });
  }
}
