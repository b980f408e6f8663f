import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { KeysetPosition, Page, PageRequest } from '../db/keyset.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../errors/app-error.ts';
import { runPeriodically } from '../housekeeping/periodically.ts';

/** Who did it: `client:<id>` (admin API), `cli`, `user:<id>`, `anonymous` or `system`. */
export type Actor = string;

export interface AuditEventInput {
  readonly actor: Actor;
  /** `<noun>.<verb>`: `client.created`, `user.disabled`, `login.failed`, `key.rotated`, ... */
  readonly action: string;
  readonly target?: string | undefined;
  readonly address?: string | undefined;
  readonly outcome?: 'success' | 'failure';
  readonly detail?: Record<string, unknown> | undefined;
}

export interface AuditEvent {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly address: string | null;
  readonly outcome: string;
  readonly detail: Record<string, unknown> | null;
}

// A detail is descriptive (which fields changed, why a login failed); anything named like a credential is dropped.
const SECRET_LIKE = /secret|password|token|hash|private|credential|cookie|code$/i;

// eslint-disable-next-line no-control-regex -- control characters are what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]/g;

/** Text as the audit trail keeps it: one line, no control characters (a log reader sees what was there). */
const plain = (value: string): string => value.replace(CONTROL_CHARACTERS, '\uFFFD').slice(0, 2048);

function sanitized(value: unknown): unknown {
  if (typeof value === 'string') return plain(value);
  if (Array.isArray(value)) return value.map(sanitized);
  if (value && typeof value === 'object') return withoutSecrets(value as Record<string, unknown>);
  return value;
}

function withoutSecrets(detail: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!detail) return undefined;
  const kept = Object.entries(detail).filter(([key]) => !SECRET_LIKE.test(key));
  return kept.length > 0 ? Object.fromEntries(kept.map(([key, value]) => [plain(key), sanitized(value)])) : undefined;
}

const toEvent = (row: { id: bigint; at: Date; actor: string; action: string; target: string | null; address: string | null; outcome: string; detail: unknown }): AuditEvent => ({
  id: row.id.toString(),
  at: row.at.toISOString(),
  actor: row.actor,
  action: row.action,
  target: row.target,
  address: row.address,
  outcome: row.outcome,
  detail: (row.detail as Record<string, unknown> | null) ?? null,
});

/**
 * The audit trail: every change by an admin (API or CLI) or by dynamic registration, and the
 * security events, in PostgreSQL and as a structured log line. Kept `retentionDays`, then pruned.
 */
export class AuditLog {
  readonly #prisma: PrismaClient;
  readonly #logger: Logger;
  readonly #retentionDays: number;

  constructor(prisma: PrismaClient, logger: Logger, { retentionDays }: { retentionDays: number }) {
    this.#prisma = prisma;
    this.#logger = logger.child({ component: 'audit' });
    this.#retentionDays = retentionDays;
  }

  /** Writes the event; a change is not reported done before its audit event is stored. */
  async record(input: AuditEventInput): Promise<void> {
    const detail = withoutSecrets(input.detail);
    const event = { actor: plain(input.actor), action: input.action, target: input.target === undefined ? null : plain(input.target), address: input.address ?? null, outcome: input.outcome ?? 'success' };
    this.#logger.info({ audit: { ...event, detail } }, `audit ${input.action}`);
    await this.#prisma.auditEvent.create({ data: { ...event, ...(detail ? { detail: detail as Prisma.InputJsonObject } : {}) } });
  }

  /** For events on a hot path (sign-ins): written without waiting, a failure only logged. */
  recordInBackground(input: AuditEventInput): void {
    this.record(input).catch((error: unknown) => this.#logger.error({ err: error, action: input.action }, 'could not write an audit event'));
  }

  /** Newest first; `action` filters on the exact action name. */
  async page(request: PageRequest, filter: { action?: string | undefined } = {}): Promise<Page<AuditEvent>> {
    if (request.after && !/^\d{1,19}$/.test(request.after.key)) throw new AppError('invalid_input', 'cursor is not one this API returned', { fields: [{ pointer: '/cursor', message: 'invalid cursor' }] });
    const where = { ...(filter.action ? { action: filter.action } : {}), ...(request.after ? { id: { lt: BigInt(request.after.key) } } : {}) };
    const rows = await this.#prisma.auditEvent.findMany({ where, orderBy: { id: 'desc' }, take: request.limit + 1 });
    const items = rows.slice(0, request.limit).map(toEvent);
    const last = items.at(-1);
    const next: KeysetPosition | undefined = rows.length > request.limit && last ? { createdAt: new Date(last.at), key: last.id } : undefined;
    return { items, next };
  }

  count(filter: { action?: string | undefined } = {}): Promise<number> {
    return this.#prisma.auditEvent.count({ where: filter.action ? { action: filter.action } : {} });
  }

  /** Deletes events older than the retention period; returns how many. */
  async prune(now = Date.now()): Promise<number> {
    const { count } = await this.#prisma.auditEvent.deleteMany({ where: { at: { lt: new Date(now - this.#retentionDays * 86_400_000) } } });
    return count;
  }

  /** Prunes now and then every `intervalMs` (hourly by default); returns a stop function. */
  startPruning(intervalMs = 3_600_000): () => void {
    return runPeriodically(() => this.prune(), intervalMs, (error) => this.#logger.warn({ err: error }, 'audit pruning failed'));
  }
}
