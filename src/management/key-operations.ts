import type { AuditLog } from '../audit/audit-log.ts';
import type { RotationResult, SigningKeyService, SigningKeyView } from '../keys/signing-key-service.ts';
import type { OperationContext } from './operation-context.ts';

/** Signing key administration shared by the CLI and the admin API; a rotation is audited. */
export function keyOperations(keys: SigningKeyService, audit: AuditLog) {
  return {
    list: (): Promise<SigningKeyView[]> => keys.list(),
    async rotate(context: OperationContext): Promise<RotationResult> {
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
