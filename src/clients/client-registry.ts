import { randomBytes } from 'node:crypto';
import type { ChangeFeed } from '../cache/change-feed.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export type ClientMetadata = Record<string, unknown> & { client_id: string; client_secret?: string };

/** RFC 7591 registration response: client_id, client_secret when confidential, and all metadata. */
export type RegistrationResponse = ClientMetadata & { client_id_issued_at: number; client_secret_expires_at?: number };

export class InvalidClientMetadataError extends Error {
  override readonly name = 'InvalidClientMetadataError';
  readonly error = 'invalid_client_metadata';
}

export class ClientNotFoundError extends Error {
  override readonly name = 'ClientNotFoundError';
}

/** Checks metadata the way the provider will use it, and returns it with every default filled in. */
export interface ClientValidator {
  normalize(metadata: ClientMetadata): Promise<ClientMetadata>;
  needsSecret(metadata: Record<string, unknown>): boolean;
}

const FORBIDDEN_RESPONSE_TYPE = /(^|\s)(token|id_token)(\s|$)/;
const FORBIDDEN_GRANTS = new Set(['implicit', 'password']);
const CLIENT_ID = /^[A-Za-z0-9._~-]{3,128}$/;
const MIN_SECRET_LENGTH = 32;

/** Clients live in PostgreSQL; the provider reads them through the Client adapter on each use. */
export class ClientRegistry {
  readonly #prisma: PrismaClient;
  readonly #validator: ClientValidator;
  readonly #changes: ChangeFeed | undefined;

  constructor(prisma: PrismaClient, validator: ClientValidator, changes?: ChangeFeed) {
    this.#prisma = prisma;
    this.#validator = validator;
    this.#changes = changes;
  }

  async create(input: unknown): Promise<RegistrationResponse> {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new InvalidClientMetadataError('client metadata must be a JSON object');
    }
    const metadata = { ...(input as Record<string, unknown>) };
    for (const field of ['client_id_issued_at', 'client_secret_expires_at', 'registration_access_token', 'registration_client_uri']) {
      delete metadata[field];
    }
    enforcePolicy(metadata);

    const clientId = metadata.client_id === undefined ? randomBytes(16).toString('base64url') : metadata.client_id;
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
      throw new InvalidClientMetadataError('client_id must be 3-128 characters of letters, digits, ".", "_", "~" or "-"');
    }
    metadata.client_id = clientId;

    if (this.#validator.needsSecret(metadata)) {
      if (metadata.client_secret === undefined) metadata.client_secret = randomBytes(32).toString('base64url');
      else if (typeof metadata.client_secret !== 'string' || metadata.client_secret.length < MIN_SECRET_LENGTH) {
        throw new InvalidClientMetadataError(`client_secret must be at least ${MIN_SECRET_LENGTH} characters (or omit it to have one generated)`);
      }
    } else {
      delete metadata.client_secret;
    }

    const normalized = await this.#validator.normalize(metadata as ClientMetadata);
    const stored = await this.#prisma.client.createMany({
      data: [{ clientId, metadata: normalized as Prisma.InputJsonObject }],
      skipDuplicates: true,
    });
    if (stored.count === 0) throw new InvalidClientMetadataError(`client_id ${clientId} is already registered`);
    const issuedAt = Math.floor(Date.now() / 1000);
    return {
      ...normalized,
      client_id_issued_at: issuedAt,
      ...(normalized.client_secret ? { client_secret_expires_at: 0 } : {}),
    };
  }

  async list(): Promise<ClientMetadata[]> {
    const rows = await this.#prisma.client.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map((row) => withoutSecret(row.metadata as ClientMetadata));
  }

  async show(clientId: string, { includeSecret = false } = {}): Promise<ClientMetadata> {
    const row = await this.#prisma.client.findUnique({ where: { clientId } });
    if (!row) throw new ClientNotFoundError(`no client ${clientId}`);
    const metadata = row.metadata as ClientMetadata;
    return includeSecret ? metadata : withoutSecret(metadata);
  }

  async delete(clientId: string): Promise<void> {
    const { count } = await this.#prisma.client.deleteMany({ where: { clientId } });
    if (count === 0) throw new ClientNotFoundError(`no client ${clientId}`);
    await this.#changes?.publish({ kind: 'client', id: clientId });
  }
}

function withoutSecret(metadata: ClientMetadata): ClientMetadata {
  const { client_secret: _secret, ...rest } = metadata;
  return rest;
}

// RFC 9700: no implicit or hybrid flows, no resource owner password credentials.
function enforcePolicy(metadata: Record<string, unknown>): void {
  const responseTypes = metadata.response_types;
  if (Array.isArray(responseTypes) && responseTypes.some((type) => typeof type === 'string' && FORBIDDEN_RESPONSE_TYPE.test(type))) {
    throw new InvalidClientMetadataError('response_types: only "code" is supported (implicit and hybrid flows are disabled, RFC 9700)');
  }
  const grantTypes = metadata.grant_types;
  if (Array.isArray(grantTypes) && grantTypes.some((grant) => FORBIDDEN_GRANTS.has(grant as string))) {
    throw new InvalidClientMetadataError('grant_types: implicit and password grants are disabled (RFC 9700)');
  }
}
