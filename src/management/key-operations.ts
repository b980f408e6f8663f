import type { AuditLog } from '../audit/audit-log.ts';
import type { RotationResult, SigningKeyService, SigningKeyView } from '../keys/signing-key-service.ts';
import { AppError } from '../errors/app-error.ts';
import type { OperationContext } from './operation-context.ts';

const MIN_ROTATION_INTERVAL_MS = 60_000;

/** Signing key administration shared by the CLI and the admin API; a rotation is audited. */
export function keyOperations(keys: SigningKeyService, audit: AuditLog) {
  return {
    list: (): Promise<SigningKeyView[]> => keys.list(),
    async rotate(context: OperationContext): Promise<RotationResult> {
      const lastRotation = Math.max(0, ...(await keys.list()).map((key) => (key.retired_at ? Date.parse(key.retired_at) : 0)));
      const wait = Math.ceil((lastRotation + MIN_ROTATION_INTERVAL_MS - Date.now()) / 1000);
      // Every rotation keeps the old keys published for the longest token lifetime: a loop would pile them up.
      if (wait > 0) throw new AppError('conflict', `the signing keys were rotated less than a minute ago; try again in ${wait} s`, { retryAfter: wait });
      const result = await keys.rotate();
      await audit.record({
        ...context,
        action: 'key.rotated',
        target: result.activated.map((key) => key.kid).join(' '),
        detail: { activated: result.activated.map((key) => key.kid), retired: result.retired.map((key) => key.kid) },
      });
      return result;
    },
  };
}

export type KeyOperations = ReturnType<typeof keyOperations>;
