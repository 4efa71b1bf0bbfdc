// The queue-offload target of the flood-defence study (message-queue offload): a write API in
// front of a database that sustains --workers x 1000 / --write-ms writes a second (100 by
// default). `protected`: POST /api/writes queues the write on a Redis stream and answers 202
// with a status URL at once; worker processes in a consumer group apply the writes at the
// database's pace, and reclaim the entries of a worker that died holding them. `naive`: the
// write is applied before the answer, so a burst queues for the database's connections and
// times out. Each write carries an Idempotency-Key: accepted once, applied once.
import { fork, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Gauge, Registry } from 'prom-client';
import { readBody, routes, sendJson, serveHttp } from './http-server.ts';
import { closingAlso } from './lifecycle.ts';
import { applyWrite, GROUP, QUEUE_WORKER_ENV, reclaimedKey, schemaSql, streamKey, writeOf, type QueueWorkerConfig } from './queue-store.ts';
import { databaseUrlFlag, redisUrlFlag } from './store-flags.ts';
import type { TargetModule } from './target.ts';

export const WRITE_PATH = '/api/writes';
const KEY = /^[\w.-]{1,128}$/;
// How long an accepted key is remembered against a retry: longer than any run's drain.
const KEY_TTL_S = 24 * 3600;
// A worker that died is started again after this, as an orchestrator would.
const RESTART_MS = 1_000;
const MAX_AMOUNT = 1_000_000_000;

// Accept, atomically: the key remembered (or already known: a retry) and, if new, the write queued.
const ACCEPT = `if redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[3]) or ARGV[4] == '0' then
    redis.call('xadd', KEYS[2], '*', 'key', ARGV[1], 'amount', ARGV[2])
    return 1
  end
  return 0`;

export const queueOffload: TargetModule = {
  name: 'queue-offload',
  modes: ['protected', 'naive'],
  describe: {
    protected:
      'writes queued on a Redis stream (202 + status URL), applied by --workers worker processes in a consumer group at the database pace',
    naive: 'each write applied before the answer, on a pool of --workers connections: a burst queues for them and times out',
  },
  faults: {
    'ack-before-apply': 'workers acknowledge an entry when they read it and apply it after; one apply in ten fails, and that write is gone',
    'no-dedupe': 'neither the accept nor the apply checks the Idempotency-Key: a retried write is queued and applied again',
  },
  flags: {
    'database-url': databaseUrlFlag('PostgreSQL, where writes land'),
    'redis-url': redisUrlFlag('Redis, the queue (a stream with a consumer group)'),
    schema: {
      describe: 'schema the target creates and uses',
      type: 'string',
      defaults: { protected: 'floodgate_queue', naive: 'floodgate_queue' },
    },
    'key-prefix': { describe: 'key prefix in Redis', type: 'string', defaults: { protected: 'floodgate:queue', naive: 'floodgate:queue' } },
    workers: {
      describe: 'worker processes (protected) or database connections (naive): the database takes this many writes at once',
      type: 'number',
      defaults: { protected: 4, naive: 4 },
    },
    'write-ms': { describe: 'how long one write holds the database', type: 'number', defaults: { protected: 40, naive: 40 } },
    'claim-idle-ms': {
      describe: "how long an entry may sit unacknowledged with one worker before another claims it (a dead worker's writes)",
      type: 'number',
      defaults: { protected: 2000, naive: 2000 },
    },
  },
  async start({ mode, host, port, flags, faults }) {
    const schema = flags.schema as string;
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`--schema ${schema}: expected a lowercase SQL identifier`);
    const prefix = flags['key-prefix'] as string;
    const workers = flags.workers as number;
    if (!Number.isInteger(workers) || workers < 1 || workers > 64)
      throw new Error(`--workers ${workers}: expected an integer from 1 to 64`);
    const writeMs = flags['write-ms'] as number;
    const databaseUrl = flags['database-url'] as string;
    const redisUrl = flags['redis-url'] as string;
    const dedupe = !faults.has('no-dedupe');
    const stream = streamKey(prefix);
    // naive applies on this pool; protected reads the ledger and the status on it.
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: mode === 'naive' ? workers : 2,
      application_name: 'floodgate-queue-front',
    });
    pool.on('error', () => {});
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    try {
      await pool.query(schemaSql(schema));
      await redis.connect();
      await redis.xgroup('CREATE', stream, GROUP, '$', 'MKSTREAM').catch((err: Error) => {
        if (!/BUSYGROUP/.test(err.message)) throw err;
      });
    } catch (err) {
      await pool.end();
      redis.disconnect();
      throw new Error(`cannot prepare the queue (Redis at ${redisUrl}) and the database (PostgreSQL): ${(err as Error).message}`, {
        cause: err,
      });
    }

    // The workers: processes of this same program (targets/cli.ts runs queue-worker.ts when it sees the env).
    const running = new Map<number, { consumer: string; child: ChildProcess }>();
    let closing = false;
    let generation = 0;
    function startWorker(index: number): void {
      const consumer = `worker-${index + 1}-${++generation}`;
      const config: QueueWorkerConfig = {
        consumer,
        redisUrl,
        databaseUrl,
        schema,
        prefix,
        writeMs,
        claimIdleMs: flags['claim-idle-ms'] as number,
        faults: [...faults],
      };
      const child = fork(process.argv[1]!, [], { env: { ...process.env, [QUEUE_WORKER_ENV]: JSON.stringify(config) }, stdio: 'inherit' });
      running.set(index, { consumer, child });
      child.once('exit', () => {
        if (running.get(index)?.child === child) running.delete(index);
        if (!closing) setTimeout(() => !closing && startWorker(index), RESTART_MS).unref();
      });
    }
    if (mode === 'protected') for (let i = 0; i < workers; i++) startWorker(i);

    const registry = new Registry();
    const gauge = (name: string, help: string, read: () => Promise<number>) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          const v = await read().catch(() => undefined);
          if (v !== undefined) this.set(v);
        },
      });
    // Acknowledged entries are deleted: the stream holds exactly the writes not yet applied.
    gauge('queue_backlog', 'Writes queued and not yet applied (waiting, or in a worker’s hands).', () => redis.xlen(stream));
    gauge('queue_pending', 'Writes in a worker’s hands, not yet acknowledged.', async () =>
      Number(((await redis.xpending(stream, GROUP)) as [number])[0]),
    );
    gauge('queue_reclaimed_entries', 'Entries claimed from a worker that held them past --claim-idle-ms.', async () =>
      Number((await redis.get(reclaimedKey(prefix))) ?? 0),
    );
    gauge('queue_workers', 'Worker processes running.', async () => running.size);

    async function write(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || !KEY.test(key)) {
        return sendJson(res, 400, { error: 'an Idempotency-Key header is required: 1-128 of A-Z a-z 0-9 _ . -' });
      }
      const body = await readBody(req, 4096);
      let amount: unknown;
      try {
        amount = (JSON.parse(body?.toString() ?? '') as { amount?: unknown }).amount;
      } catch {
        // answered below
      }
      // Bounded: a write the database would refuse must be refused here, not poison the queue.
      if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
        return sendJson(res, 400, { error: `expected a JSON body {"amount": <integer from 1 to ${MAX_AMOUNT}>}` });
      }
      const statusUrl = `${WRITE_PATH}/${encodeURIComponent(key)}`;
      if (mode === 'naive') {
        await applyWrite(pool, schema, { key, amount }, { writeMs, dedupe });
        return sendJson(res, 201, { status: 'applied', key });
      }
      await redis.eval(ACCEPT, 2, `${prefix}:key:${key}`, stream, key, String(amount), String(KEY_TTL_S), dedupe ? '1' : '0');
      res.setHeader('Location', statusUrl);
      sendJson(res, 202, { status: 'queued', key, statusUrl });
    }

    /** GET /api/writes/<key>: applied (in the database), queued (accepted, not yet applied), or 404. */
    async function status(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const key = decodeURIComponent((req.url ?? '').split('?')[0]!.slice(WRITE_PATH.length + 1));
      if (!KEY.test(key)) return sendJson(res, 400, { error: 'not an idempotency key' });
      const applied = await pool.query(`SELECT 1 FROM ${schema}.applied WHERE idempotency_key = $1`, [key]);
      if (applied.rowCount) return sendJson(res, 200, { key, status: 'applied' });
      if (mode === 'protected' && (await redis.exists(`${prefix}:key:${key}`))) return sendJson(res, 200, { key, status: 'queued' });
      sendJson(res, 404, { key, error: 'no write with this key' });
    }

    /** GET /api/ledger?prefix=<run id>: the run's writes applied (once each and in all) and still queued. */
    async function ledger(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const runPrefix = new URL(req.url ?? '/', 'http://x').searchParams.get('prefix') ?? '';
      if (!/^[\w.-]{1,64}$/.test(runPrefix)) return sendJson(res, 400, { error: 'expected ?prefix=<run id>: 1-64 of A-Z a-z 0-9 _ . -' });
      const ofRun = (table: string) =>
        pool
          .query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table} WHERE left(idempotency_key, length($1)) = $1`, [runPrefix])
          .then((r) => Number(r.rows[0]!.n));
      // Queued: keys still in the stream and not applied. An entry whose write committed but
      // is not yet acknowledged (a worker killed between the two), or a second entry of one key,
      // is one write, not two.
      const inStream = new Set<string>();
      for (let from = '-'; ;) {
        const page = (await redis.xrange(stream, from, '+', 'COUNT', 1000)) as [string, string[]][];
        for (const [, fields] of page) {
          const key = writeOf(fields)?.key;
          if (key?.startsWith(runPrefix)) inStream.add(key);
        }
        if (page.length < 1000) break;
        from = `(${page[page.length - 1]![0]}`;
      }
      const appliedOfStream = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${schema}.applied WHERE idempotency_key = ANY($1)`,
        [[...inStream]],
      );
      const queued = inStream.size - Number(appliedOfStream.rows[0]!.n);
      sendJson(res, 200, { applied: await ofRun('applied'), effects: await ofRun('effects'), queued });
    }

    /** GET /api/workers: each worker process and the entries it holds unacknowledged (for chaos tests: which one to kill). */
    async function workerList(_req: IncomingMessage, res: ServerResponse): Promise<void> {
      const summary = (await redis.xpending(stream, GROUP)) as [number, string | null, string | null, [string, string][] | null];
      const held = new Map((summary[3] ?? []).map(([consumer, n]) => [consumer, Number(n)]));
      sendJson(res, 200, {
        workers: [...running.values()].map((w) => ({ consumer: w.consumer, pid: w.child.pid, pending: held.get(w.consumer) ?? 0 })),
      });
    }

    const table = routes({ [`POST ${WRITE_PATH}`]: write, 'GET /api/ledger': ledger, 'GET /api/workers': workerList });
    const server = await serveHttp({
      name: 'queue-offload',
      registry,
      host,
      port,
      handler: async (req, res) => {
        if (req.method === 'GET' && (req.url ?? '').startsWith(`${WRITE_PATH}/`)) {
          await status(req, res);
          return `${WRITE_PATH}/:key`;
        }
        return table(req, res);
      },
    });
    return closingAlso(server, async (deadlineMs) => {
      closing = true;
      // SIGTERM: each finishes the write in hand; one stuck (a store away, or stopped) is killed at the deadline.
      await Promise.all(
        [...running.values()].map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(deadlineMs, 1_000));
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGTERM');
              // A stopped process (SIGSTOP) acts on nothing until it runs again.
              child.kill('SIGCONT');
            }),
        ),
      );
      await pool.end();
      redis.disconnect();
    });
  },
};
