/**
 * 10,000 registered clients in a pg+redis target's database, for the admin list scenarios: one
 * registered through the admin API (so the stored metadata has exactly the registry's normalized
 * shape), copied 9,999 times by one INSERT ... SELECT generate_series (about a second).
 */
import { encodeCursor } from '../../src/db/keyset.ts';
import { BENCH_RESOURCE, BENCH_SCOPE } from './fixtures.ts';
import { withPostgres } from './infra.ts';
import { log } from './log.ts';
import type { Target } from './targets.ts';

export const SEEDED_CLIENTS = 10_000;
/** The deep page starts after this many clients in list order (oldest first). */
export const DEEP_PAGE_AFTER = 9_000;
/** Seeded client n (1 = oldest) is named so that a page's position can be checked from its answer. */
export const seededName = (n: number): string => `bench seeded client ${n}`;

export interface SeededClients {
  /** The cursor the API would hand out after the first DEEP_PAGE_AFTER clients. */
  readonly deepCursor: string;
}

/**
 * Copies of the template, with new ids (22 characters of base64url, like generated ids), names,
 * SHA-256 secret hashes and creation times one second apart, all older than every existing client,
 * so that copy n is the n-th client in list order. $1 = the template's client_id, $2 = how many.
 */
const COPY_TEMPLATE = `
  INSERT INTO clients (client_id, metadata, secret_hash, created_at, updated_at)
  SELECT id, template.metadata || jsonb_build_object('client_id', id, 'client_name', 'bench seeded client ' || n),
         encode(sha256(convert_to('seeded secret ' || id, 'UTF8')), 'hex'), at, at
    FROM (SELECT metadata FROM clients WHERE client_id = $1) AS template,
         (SELECT min(created_at) AS oldest FROM clients) AS existing,
         LATERAL (SELECT n,
                         translate(rtrim(encode(uuid_send(gen_random_uuid()), 'base64'), '='), '+/', '-_') AS id,
                         existing.oldest - make_interval(secs => $2::int + 1 - n) AS at
                    FROM generate_series(1, $2::int) AS n) AS copy`;

/** The client at a 0-based position in list order (created_at, then client_id), its time as Prisma reads it (UTC). */
const AT_POSITION = `
  SELECT client_id, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
    FROM clients ORDER BY created_at, client_id OFFSET $1 LIMIT 1`;

const seeded = new Map<Target, Promise<SeededClients>>();

/** Seeds `target` once, however many scenarios ask. */
export function seedClientsOnce(target: Target): Promise<SeededClients> {
  let done = seeded.get(target);
  if (!done) seeded.set(target, (done = seedClients(target)));
  return done;
}

async function seedClients(target: Target): Promise<SeededClients> {
  const { databaseUrl, admin } = target;
  if (!databaseUrl || !admin) throw new Error(`${target.label} has no database to seed clients in`);
  const started = performance.now();
  const response = await fetch(new URL('/admin/v1/clients', admin.origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${await admin.token()}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: seededName(SEEDED_CLIENTS),
      grant_types: ['client_credentials'],
      scope: BENCH_SCOPE,
      audience: [BENCH_RESOURCE],
    }),
  });
  const template = (await response.json().catch(() => ({}))) as { client_id?: string };
  if (response.status !== 201 || !template.client_id) throw new Error(`registering the template client failed: ${response.status}`);
  return withPostgres(databaseUrl, async (db) => {
    const copied = await db.query(COPY_TEMPLATE, [template.client_id, SEEDED_CLIENTS - 1]);
    if (copied.rowCount !== SEEDED_CLIENTS - 1) throw new Error(`seeded ${copied.rowCount} clients, not ${SEEDED_CLIENTS - 1}`);
    // What autovacuum would soon do on a real table of this size: the planner gets its statistics.
    await db.query('ANALYZE clients');
    const { rows } = await db.query<{ client_id: string; created_at: string }>(AT_POSITION, [DEEP_PAGE_AFTER - 1]);
    const last = rows[0];
    if (!last) throw new Error('no seeded client at the deep page position');
    log(`seeded ${SEEDED_CLIENTS} clients in ${target.label} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { deepCursor: encodeCursor({ createdAt: new Date(last.created_at), key: last.client_id }) };
  });
}
