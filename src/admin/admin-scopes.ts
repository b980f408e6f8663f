/** What a route needs: reading or changing one group of admin resources. */
export type AdminAccess = 'read' | 'write';

/** Route groups of the admin API, each with the kinds of access it has routes for. */
export const ADMIN_GROUPS = {
  clients: ['read', 'write'],
  users: ['read', 'write'],
  resources: ['read', 'write'],
  keys: ['read', 'write'],
  registration: ['write'],
  audit: ['read'],
} as const satisfies Record<string, readonly AdminAccess[]>;

export type AdminGroup = keyof typeof ADMIN_GROUPS;

/** `admin:read` / `admin:write` cover every group; `admin:<group>:<access>` one group, for least privilege. */
export const ADMIN_SCOPES: readonly string[] = [
  'admin:read',
  'admin:write',
  ...Object.entries(ADMIN_GROUPS).flatMap(([group, accesses]) => accesses.map((access) => `admin:${group}:${access}`)),
];

/** The scopes any one of which lets a token do `access` on `group`. */
export const scopesGranting = (group: AdminGroup, access: AdminAccess): readonly string[] => [`admin:${access}`, `admin:${group}:${access}`];

/** What a new admin client may have when its metadata names no scope: every read and write. */
export const DEFAULT_ADMIN_CLIENT_SCOPE = 'admin:read admin:write';
