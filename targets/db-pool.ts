// The DB-pool target of the Go-API resilience study (P1): POST /api/debit runs a credit update in a transaction that
// holds its pooled connection for --hold-ms, keyed by an Idempotency-Key so a key applied twice
// debits once. `naive`: callers queue for a connection without bound. `protected`: a bounded
// queue and an acquisition timeout turn exhaustion into an immediate 503 that says so.
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { readBody, routes, sendJson, serveHttp } from './http-server.ts';
import { closingAlso } from './lifecycle.ts';
import { databaseUrlFlag } from './store-flags.ts';
import type { TargetModule } from './target.ts';

/** Everything the target owns lives in this schema; created idempotently, nothing else touched. */
function schemaSql(schema: string): string {
  return `
    CREATE SCHEMA IF NOT EXISTS ${schema};
    CREATE TABLE IF NOT EXISTS ${schema}.accounts (id text PRIMARY KEY, credits bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS ${schema}.debits (
      idempotency_key text PRIMARY KEY,
      account_id text NOT NULL REFERENCES ${schema}.accounts(id),
      amount bigint NOT NULL CHECK (amount > 0),
      created_at timestamptz NOT NULL DEFAULT now()
    );`;
}

const INITIAL_CREDITS = 1_000_000_000;

class PoolExhausted extends Error {}

export const dbPool: TargetModule = {
  name: 'db-pool',
  modes: ['protected', 'naive'],
  describe: {
    protected:
      'at most --max-waiting callers queue for a connection, each at most --acquire-timeout-ms; beyond, 503 {"error":"database pool exhausted"} with Retry-After; statement timeout',
    naive: 'callers queue for a connection without bound or timeout',
  },
  faults: {
    // Every one, not one in ten: the client's check counts debits as a whole, and the requests cut
    // at the end of the overload (which may commit) would hide a few lost ones.
    'lost-writes': 'every debit is acknowledged (201) and then rolled back: acknowledged writes go missing',
    'refused-but-applied': 'one debit in ten is committed and then answered 503: the client is told it was not applied',
    'balance-drift': 'one debit in ten takes twice its amount off the balance: the ledger and the balances disagree',
  },
  flags: {
    'database-url': databaseUrlFlag('PostgreSQL to use'),
    schema: {
      describe: 'schema the target creates and uses',
      type: 'string',
      defaults: { protected: 'floodgate_dbpool', naive: 'floodgate_dbpool' },
    },
    'pool-size': {
      describe: 'connections in the pool (the Go-API resilience study: 60)',
      type: 'number',
      defaults: { protected: 60, naive: 60 },
    },
    'hold-ms': {
      describe: 'how long each debit transaction holds its connection',
      type: 'number',
      defaults: { protected: 2000, naive: 2000 },
    },
    'acquire-timeout-ms': {
      describe: 'longest wait for a connection (0: forever)',
      type: 'number',
      defaults: { protected: 1000, naive: 0 },
    },
    'max-waiting': {
      describe: 'callers allowed to queue for a connection (0: no bound)',
      type: 'number',
      defaults: { protected: 60, naive: 0 },
    },
    'statement-timeout-ms': {
      describe: 'PostgreSQL statement_timeout (0: none)',
      type: 'number',
      defaults: { protected: 10_000, naive: 0 },
    },
  },
  async start({ host, port, flags, faults }) {
    const f = flags as Record<string, number> & { 'database-url': string; schema: string };
    if (!/^[a-z_][a-z0-9_]*$/.test(f.schema)) throw new Error(`--schema ${f.schema}: expected a lowercase SQL identifier`);
    const schema = f.schema;
    const pool = new pg.Pool({
      connectionString: f['database-url'],
      max: f['pool-size'],
      connectionTimeoutMillis: f['acquire-timeout-ms'],
      ...(f['statement-timeout-ms'] > 0 ? { statement_timeout: f['statement-timeout-ms'] } : {}),
      application_name: 'floodgate-db-pool',
    });
    pool.on('error', () => {}); // an idle client's error surfaces on its next use, not as a crash
    try {
      await pool.query(schemaSql(schema));
    } catch (err) {
      await pool.end();
      throw new Error(
        `cannot prepare PostgreSQL at ${f['database-url'].replace(/:[^:@/]*@/, ':***@')} (${(err as Error).message}): start PostgreSQL or pass --database-url`,
        { cause: err },
      );
    }

    const registry = new Registry();
    const poolGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    poolGauge('db_pool_total', 'Connections the pool holds (busy or idle).', () => pool.totalCount);
    poolGauge('db_pool_idle', 'Idle connections in the pool.', () => pool.idleCount);
    poolGauge('db_pool_waiting', 'Callers queued for a connection.', () => pool.waitingCount);
    poolGauge('db_pool_max', 'Pool size.', () => f['pool-size']);
    new Gauge({
      name: 'db_server_connections',
      help: "The server's view: connections of this target in pg_stat_activity, by state.",
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        // A scrape must not queue behind the load it is measuring: use a side connection.
        const side = new pg.Client({ connectionString: f['database-url'] });
        try {
          await side.connect();
          const { rows } = await side.query<{ state: string | null; n: string }>(
            "SELECT state, count(*) AS n FROM pg_stat_activity WHERE application_name = 'floodgate-db-pool' GROUP BY state",
          );
          this.reset();
          for (const r of rows) this.set({ state: r.state ?? 'unknown' }, Number(r.n));
        } catch {
          // the database is down or full: the pool gauges still say what the target sees
        } finally {
          await side.end().catch(() => {});
        }
      },
    });
    const acquireWait = new Histogram({
      name: 'db_pool_acquire_seconds',
      help: 'Time a request waited for a pooled connection.',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    });
    const exhausted = new Counter({
      name: 'db_pool_exhausted_total',
      help: 'Requests answered 503 because no connection could be had, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    });

    async function acquire(): Promise<pg.PoolClient> {
      if (f['max-waiting'] > 0 && pool.waitingCount >= f['max-waiting'] && pool.idleCount === 0) {
        exhausted.inc({ reason: 'queue_full' });
        throw new PoolExhausted(`${pool.waitingCount} requests already waiting for one of ${f['pool-size']} connections`);
      }
      const stop = acquireWait.startTimer();
      try {
        return await pool.connect();
      } catch (err) {
        if (/timeout exceeded when trying to connect/i.test((err as Error).message)) {
          exhausted.inc({ reason: 'acquire_timeout' });
          throw new PoolExhausted(`no connection within ${f['acquire-timeout-ms']} ms (all ${f['pool-size']} busy)`);
        }
        throw err;
      } finally {
        stop();
      }
    }

    let appliedCount = 0;
    async function debit(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || key === '' || key.length > 200)
        return sendJson(res, 400, {
          error: 'an Idempotency-Key header (1-200 characters) is required: it makes a retried debit apply once',
        });
      let body: { account?: unknown; amount?: unknown };
      try {
        body = JSON.parse((await readBody(req, 65_536))?.toString() ?? '');
      } catch {
        return sendJson(res, 400, { error: 'body must be JSON: {"account": "<id>", "amount": <positive integer>}' });
      }
      const { account, amount } = body;
      if (typeof account !== 'string' || account === '' || !Number.isSafeInteger(amount) || (amount as number) <= 0) {
        return sendJson(res, 400, { error: 'body must be JSON: {"account": "<id>", "amount": <positive integer>}' });
      }
      let client: pg.PoolClient;
      try {
        client = await acquire();
      } catch (err) {
        if (!(err instanceof PoolExhausted)) throw err;
        res.setHeader('Retry-After', '1');
        return sendJson(res, 503, {
          error: 'database pool exhausted',
          detail: err.message,
          pool: { size: f['pool-size'], waiting: pool.waitingCount },
        });
      }
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${schema}.accounts (id, credits) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
          account,
          INITIAL_CREDITS,
        ]);
        const inserted = await client.query(
          `INSERT INTO ${schema}.debits (idempotency_key, account_id, amount) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [key, account, amount],
        );
        const applied = inserted.rowCount === 1;
        // A fault, when asked for, hits one applied debit in ten.
        const fault = applied && ++appliedCount % 10 === 0 ? faults : new Set<string>();
        const charged = fault.has('balance-drift') ? (amount as number) * 2 : amount;
        if (applied) await client.query(`UPDATE ${schema}.accounts SET credits = credits - $2 WHERE id = $1`, [account, charged]);
        // The long part of the Go-API resilience study's quota/credit transaction, holding the connection.
        await client.query('SELECT pg_sleep($1)', [f['hold-ms'] / 1000]);
        if (faults.has('lost-writes')) {
          sendJson(res, 201, { key, account, amount, applied, replay: false });
          await client.query('ROLLBACK');
          return;
        }
        await client.query('COMMIT');
        if (fault.has('refused-but-applied')) {
          res.setHeader('Retry-After', '1');
          return sendJson(res, 503, { error: 'database pool exhausted', detail: 'fault: refused-but-applied' });
        }
        sendJson(res, applied ? 201 : 200, { key, account, amount, applied, replay: !applied });
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        sendJson(res, 500, { error: 'debit failed', detail: (err as Error).message });
      } finally {
        client.release();
      }
    }

    async function ledger(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const prefix = new URL(req.url ?? '/', 'http://x').searchParams.get('prefix') ?? '';
      if (prefix.length < 4)
        return sendJson(res, 400, { error: 'prefix (at least 4 characters) is required: the run id the keys start with' });
      // Reads bypass the pool queue: the consistency check must not wait behind the load.
      const side = new pg.Client({ connectionString: f['database-url'] });
      await side.connect();
      try {
        const { rows } = await side.query<{ debits: string; keys: string; debited: string; drop: string }>(
          `SELECT (SELECT count(*) FROM ${schema}.debits WHERE idempotency_key LIKE $1 || '%') AS debits,
                  (SELECT count(DISTINCT idempotency_key) FROM ${schema}.debits WHERE idempotency_key LIKE $1 || '%') AS keys,
                  (SELECT coalesce(sum(amount), 0) FROM ${schema}.debits WHERE account_id LIKE $1 || '%') AS debited,
                  (SELECT coalesce(sum($2 - credits), 0) FROM ${schema}.accounts WHERE id LIKE $1 || '%') AS drop`,
          [prefix, INITIAL_CREDITS],
        );
        const r = rows[0]!;
        sendJson(res, 200, {
          prefix,
          debits: Number(r.debits),
          distinctKeys: Number(r.keys),
          debited: Number(r.debited),
          balanceDrop: Number(r.drop),
        });
      } finally {
        await side.end();
      }
    }

    const server = await serveHttp({
      name: 'db-pool',
      registry,
      host,
      port,
      handler: routes({ 'POST /api/debit': debit, 'GET /api/ledger': ledger }),
    });
    return closingAlso(server, () => pool.end());
  },
};
