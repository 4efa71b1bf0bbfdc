// One worker of the queue-offload target, a process of its own so it can be killed like one:
// reads writes from the stream as a member of the consumer group, applies each at the
// database's pace, and acknowledges (and deletes) it only once it is applied. Before each read
// it claims the entries another consumer has held past --claim-idle-ms: a killed worker's
// in-flight writes are applied by the others, and the idempotency key keeps them from applying twice.
import { Redis } from 'ioredis';
import pg from 'pg';
import { applyWrite, GROUP, QUEUE_WORKER_ENV, reclaimedKey, streamKey, writeOf, type QueueWorkerConfig } from './queue-store.ts';

type Entry = [id: string, fields: string[]];

export async function runQueueWorker(): Promise<void> {
  const c = JSON.parse(process.env[QUEUE_WORKER_ENV] ?? '{}') as QueueWorkerConfig;
  const stream = streamKey(c.prefix);
  const ackFirst = c.faults.includes('ack-before-apply');
  const dedupe = !c.faults.includes('no-dedupe');
  // A blocking read holds its connection: one for reads, one for everything else.
  const reader = new Redis(c.redisUrl, { maxRetriesPerRequest: null });
  const redis = new Redis(c.redisUrl, { maxRetriesPerRequest: null });
  const db = new pg.Client({ connectionString: c.databaseUrl, application_name: `floodgate-queue-${c.consumer}` });
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  // The front's shutdown (SIGTERM), or the front gone (its IPC channel closed): finish the entry in hand, then go.
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  await db.connect();
  let handled = 0;

  async function handle(entries: Entry[]): Promise<void> {
    for (const [id, fields] of entries) {
      const w = writeOf(fields);
      handled++;
      // ack-before-apply: one apply in ten fails after its entry was acknowledged, and is gone.
      const lostAfterAck = ackFirst && handled % 10 === 0;
      if (ackFirst) await redis.multi().xack(stream, GROUP, id).xdel(stream, id).exec();
      if (w && !lostAfterAck) await applyWrite(db, c.schema, w, { writeMs: c.writeMs, dedupe });
      if (!ackFirst) await redis.multi().xack(stream, GROUP, id).xdel(stream, id).exec();
    }
  }

  while (!stopping) {
    try {
      // [next id, claimed entries, ids deleted meanwhile] (Redis >= 7).
      const [, claimed] = (await redis.xautoclaim(stream, GROUP, c.consumer, c.claimIdleMs, '0-0', 'COUNT', 10)) as [string, Entry[]];
      if (claimed.length > 0) {
        await redis.incrby(reclaimedKey(c.prefix), claimed.length);
        await handle(claimed);
        continue;
      }
      const read = (await reader.xreadgroup('GROUP', GROUP, c.consumer, 'COUNT', 1, 'BLOCK', 500, 'STREAMS', stream, '>')) as
        [string, Entry[]][] | null;
      if (read) await handle(read[0]![1]);
    } catch (err) {
      // The store or the database away for a moment: what is unacknowledged stays pending for the next try.
      process.stderr.write(`queue worker ${c.consumer}: ${(err as Error).message}\n`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  reader.disconnect();
  redis.disconnect();
  await db.end();
  process.exit(0);
}
