import type { Actor } from '../audit/audit-log.ts';

/** Who asks for a change, and from where: recorded with the audit event of every change. */
export interface OperationContext {
  readonly actor: Actor;
  readonly address?: string | undefined;
}

export const CLI_CONTEXT: OperationContext = { actor: 'cli' };
