import { z } from 'zod';
import type { ChangeFeed } from '../cache/change-feed.ts';
import type { LookupCache } from '../cache/lookup-cache.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { AppError } from '../errors/app-error.ts';
import { validate } from '../errors/validation.ts';
import { afterPosition, toPage, type Page, type PageRequest } from '../db/keyset.ts';
import { isSafeIdentifier } from '../http/safe-text.ts';
import { OIDC_SCOPES, SCOPE_TOKEN } from '../oidc/scopes.ts';

export interface Resource {
  readonly identifier: string;
  /** A display name for people (consent); null: none given. */
  readonly name: string | null;
  readonly scopes: readonly string[];
  /** What each scope lets an app do, in words for people; scopes without one are shown as they are. */
  readonly scopeDescriptions: Readonly<Record<string, string>>;
  readonly accessTokenTtl: number;
  readonly tokenFormat: 'jwt' | 'opaque';
  /**
   * Which clients may get a user's tokens for it: `listed-clients` those whose `audience` lists it;
   * `any-client` any client, in user flows and with the user's consent (an MCP server, whose clients
   * register themselves). Machine tokens (`client_credentials`) always need the `audience`.
   */
  readonly userAccess: UserAccess;
  readonly createdAt: Date;
}

export const USER_ACCESS = ['listed-clients', 'any-client'] as const;
export type UserAccess = (typeof USER_ACCESS)[number];

const RESERVED_SCOPES: ReadonlySet<string> = new Set(OIDC_SCOPES);

// eslint-disable-next-line no-control-regex -- control characters are what is refused
const displayText = z.string().trim().min(1).max(200).regex(/^[^\u0000-\u001F\u007F]*$/, 'must not contain control characters');

export const newResourceSchema = z.object({
  identifier: z
    .url({ message: 'resource identifier must be an absolute URI' })
    .max(2048)
    .refine((value) => !value.includes('#'), 'resource identifier must not contain a fragment (RFC 8707)'),
  scopes: z
    .array(
      z
        .string()
        .max(128)
        .regex(SCOPE_TOKEN, 'scope must be a single scope token (RFC 6749 section 3.3)')
        .refine((scope) => !RESERVED_SCOPES.has(scope), 'OpenID Connect scopes cannot belong to a resource'),
    )
    .min(1, 'a resource needs at least one scope'),
  accessTokenTtl: z.number().int().positive().max(86_400).default(3600),
  tokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
  userAccess: z.enum(USER_ACCESS).default('listed-clients'),
  name: displayText.nullable().optional(),
  scopeDescriptions: z.record(z.string().max(128), displayText).optional(),
});

/** What may change on a registered API: everything but its identifier. */
export const resourceChangesSchema = z
  .object({
    scopes: newResourceSchema.shape.scopes.optional(),
    accessTokenTtl: z.number().int().positive().max(86_400).optional(),
    tokenFormat: z.enum(['jwt', 'opaque']).optional(),
    userAccess: z.enum(USER_ACCESS).optional(),
    name: newResourceSchema.shape.name,
    scopeDescriptions: newResourceSchema.shape.scopeDescriptions,
  })
  .strict();

/** Every described scope must be one of the resource's scopes. */
function checkDescriptions(scopes: readonly string[], descriptions: Readonly<Record<string, string>>): void {
  const unknown = Object.keys(descriptions).filter((scope) => !scopes.includes(scope));
  if (unknown.length > 0) throw new AppError('invalid_input', `scope descriptions name scopes the resource does not have: ${unknown.join(' ')}`, { fields: unknown.map((scope) => ({ pointer: `/scope_descriptions/${scope}`, message: 'not a scope of this resource' })) });
}

export class ResourceExistsError extends AppError {
  override name = 'ResourceExistsError';
  constructor(message: string) {
    super('conflict', message);
  }
}

export class ResourceNotFoundError extends AppError {
  override name = 'ResourceNotFoundError';
  constructor(message: string) {
    super('not_found', message);
  }
}

const toResource = (row: { identifier: string; name: string | null; scopes: string[]; scopeDescriptions: unknown; accessTokenTtl: number; tokenFormat: string; userAccess: string; createdAt: Date }): Resource => ({
  identifier: row.identifier,
  name: row.name,
  scopes: row.scopes,
  scopeDescriptions: row.scopeDescriptions && typeof row.scopeDescriptions === 'object' ? (row.scopeDescriptions as Record<string, string>) : {},
  accessTokenTtl: row.accessTokenTtl,
  tokenFormat: row.tokenFormat === 'opaque' ? 'opaque' : 'jwt',
  userAccess: row.userAccess === 'any-client' ? 'any-client' : 'listed-clients',
  createdAt: row.createdAt,
});

/** Registered APIs (RFC 8707 resource indicators): what a token for each may carry. */
export class ResourceRegistry {
  readonly #prisma: PrismaClient;
  readonly #cache: LookupCache<Resource> | undefined;
  readonly #changes: ChangeFeed | undefined;

  readonly #reserved: ReadonlySet<string>;

  constructor(prisma: PrismaClient, options: { cache?: LookupCache<Resource>; changes?: ChangeFeed; reserved?: readonly string[] } = {}) {
    this.#prisma = prisma;
    this.#cache = options.cache;
    this.#changes = options.changes;
    this.#reserved = new Set(options.reserved ?? []);
  }

  async create(input: z.input<typeof newResourceSchema>): Promise<Resource> {
    const valid = validate(newResourceSchema, input);
    if (this.#reserved.has(valid.identifier)) {
      throw new AppError('conflict', `resource ${valid.identifier} is built in (the admin API) and cannot be registered`, { fields: [{ pointer: '/identifier', message: 'reserved' }] });
    }
    checkDescriptions(valid.scopes, valid.scopeDescriptions ?? {});
    try {
      const row = await this.#prisma.resource.create({
        data: { ...valid, name: valid.name ?? null, scopes: [...new Set(valid.scopes)], scopeDescriptions: valid.scopeDescriptions ?? {} },
      });
      return toResource(row);
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') throw new ResourceExistsError(`resource ${valid.identifier} already exists`);
      throw error;
    }
  }

  async find(identifier: string): Promise<Resource | undefined> {
    if (!isSafeIdentifier(identifier)) return undefined;
    return this.#cache ? this.#cache.get(identifier, (key) => this.#load(key)) : this.#load(identifier);
  }

  async #load(identifier: string): Promise<Resource | undefined> {
    const row = await this.#prisma.resource.findUnique({ where: { identifier } });
    return row ? toResource(row) : undefined;
  }

  async list(): Promise<Resource[]> {
    return (await this.#prisma.resource.findMany({ orderBy: { createdAt: 'asc' } })).map(toResource);
  }

  async page(request: PageRequest): Promise<Page<Resource>> {
    const rows = await this.#prisma.resource.findMany({ where: afterPosition('identifier', request.after), orderBy: [{ createdAt: 'asc' }, { identifier: 'asc' }], take: request.limit + 1 });
    return toPage(rows.map(toResource), request.limit, (row) => ({ createdAt: row.createdAt, key: row.identifier }));
  }

  count(): Promise<number> {
    return this.#prisma.resource.count();
  }

  /** Changes scopes, lifetime or format of a registered API; tokens already issued keep what they carry. */
  async update(identifier: string, input: z.input<typeof resourceChangesSchema>): Promise<Resource> {
    const changes = validate(resourceChangesSchema, input);
    const current = await this.#load(identifier);
    if (!current) throw new ResourceNotFoundError(`no resource ${identifier}`);
    const scopes = changes.scopes ?? current.scopes;
    // Descriptions of scopes the resource no longer has go with them.
    const descriptions = Object.fromEntries(Object.entries({ ...current.scopeDescriptions, ...changes.scopeDescriptions }).filter(([scope]) => scopes.includes(scope) || changes.scopeDescriptions?.[scope] !== undefined));
    checkDescriptions(scopes, descriptions);
    const row = await this.#prisma.resource.update({
      where: { identifier },
      data: { ...changes, ...(changes.scopes ? { scopes: [...new Set(changes.scopes)] } : {}), scopeDescriptions: descriptions },
    });
    this.#cache?.invalidate(identifier);
    await this.#changes?.publish({ kind: 'resource', id: identifier });
    return toResource(row);
  }

  async delete(identifier: string): Promise<void> {
    const { count } = await this.#prisma.resource.deleteMany({ where: { identifier } });
    if (count === 0) throw new ResourceNotFoundError(`no resource ${identifier}`);
    await this.#changes?.publish({ kind: 'resource', id: identifier });
  }
}
