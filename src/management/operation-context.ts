import type { Actor } from '../audit/audit-log.ts';

/** Who asks for a change, and from where: recorded with the audit event of every change. */
export interface OperationContext {
  readonly actor: Actor;
  readonly address?: string | undefined;
  /**
   * Whether the caller may create, change, rotate or delete admin clients: an admin with every
   * write (`admin:write`), or the CLI on the server. A narrower admin cannot mint a broader one.
   */
  readonly mayManageAdmins: boolean;
}

export const CLI_CONTEXT: OperationContext = { actor: 'cli', mayManageAdmins: true };
