import type { SqlRunner } from '../db/database.ts';

/**
 * Clients registered before `audience` existed (the security-review migration) that still have none:
 * they get tokens for no API until an admin adds `scope` and `audience` (README, "Upgrading").
 * Empty when no API is registered, since then there is nothing they could be missing.
 */
export async function clientsNeedingAudience(sql: SqlRunner): Promise<string[]> {
  const rows = await sql.query<{ client_id: string }>(`
    SELECT c.client_id FROM clients c
     WHERE NOT (c.metadata ? 'audience')
       AND EXISTS (SELECT 1 FROM resources)
       AND c.created_at < (SELECT finished_at FROM "_prisma_migrations" WHERE migration_name LIKE '%\\_security\\_review' AND finished_at IS NOT NULL)
     ORDER BY c.client_id
     LIMIT 100`);
  return rows.map((row) => row.client_id);
}
