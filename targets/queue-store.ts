// What the queue-offload target's front and its workers share: where a write is queued (a Redis
// stream and its consumer group), where it lands (two tables in PostgreSQL), and the one SQL
// statement that applies it at the database's pace.
import type pg from 'pg';

/** The worker's configuration, passed to the forked process in this environment variable. */
export const QUEUE_WORKER_ENV = 'FLOODGATE_QUEUE_WORKER';

export interface QueueWorkerConfig {
  /** The consumer's name in the group: unique per process, so a restarted worker is a new consumer. */
  consumer: string;
  redisUrl: string;
  databaseUrl: string;
  schema: string;
  prefix: string;
  writeMs: number;
  claimIdleMs: number;
  faults: string[];
}

export const streamKey = (prefix: string) => `${prefix}:writes`;
export const GROUP = 'appliers';
/** Entries reclaimed from a consumer that held them past --claim-idle-ms (a dead or stuck worker). */
export const reclaimedKey = (prefix: string) => `${prefix}:reclaimed`;

/**
 * `applied` holds each idempotency key once: the write as the service knows it. `effects` gets a
 * row each time a write takes effect, so a write applied twice shows as two rows of one key.
 */
export function schemaSql(schema: string): string {
  return `
    CREATE SCHEMA IF NOT EXISTS ${schema};
    CREATE TABLE IF NOT EXISTS ${schema}.applied (
      idempotency_key text PRIMARY KEY,
      amount bigint NOT NULL CHECK (amount > 0),
      applied_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE IF NOT EXISTS ${schema}.effects (idempotency_key text NOT NULL, amount bigint NOT NULL);`;
}

/**
 * Applies one write in one statement (one transaction): the database's pace (`writeMs` of
 * pg_sleep, the cost of a real write), the key recorded once, the effect only if the key was
 * new, or always when `dedupe` is off.
 */
export async function applyWrite(
  db: pg.Pool | pg.Client,
  schema: string,
  w: { key: string; amount: number },
  o: { writeMs: number; dedupe: boolean },
): Promise<void> {
  await db.query(
    `WITH slept AS (SELECT pg_sleep($3::float8 / 1000)),
          fresh AS (
            INSERT INTO ${schema}.applied (idempotency_key, amount) SELECT $1, $2 FROM slept
            ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1)
     INSERT INTO ${schema}.effects (idempotency_key, amount)
     SELECT $1, $2 WHERE NOT $4::boolean OR EXISTS (SELECT 1 FROM fresh)`,
    [w.key, w.amount, o.writeMs, o.dedupe],
  );
}

/** A stream entry's fields ([k1, v1, k2, v2...]) as a write, or undefined if it is not one. */
export function writeOf(fields: string[]): { key: string; amount: number } | undefined {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const amount = Number(f.amount);
  return f.key && Number.isInteger(amount) && amount > 0 ? { key: f.key, amount } : undefined;
}
