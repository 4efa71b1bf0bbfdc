// A private Redis and a throwaway PostgreSQL schema per test file, for targets with both stores
// (cache-stampede): started before the file's tests, stopped and dropped after them.
import { after, before } from 'node:test';
import { dropSchema, ensurePostgres, startRedis, type Service } from '../../harness/services.ts';

export function privateStores() {
  let redis: Service | undefined;
  let pg = '';
  const schemas: string[] = [];
  before(async () => {
    redis = await startRedis();
    pg = await ensurePostgres();
  });
  after(async () => {
    await redis?.stop();
    for (const s of schemas) await dropSchema(pg, s);
  });
  return {
    get redisUrl() {
      return redis!.url;
    },
    get pg() {
      return pg;
    },
    /** A target's flags for both stores, with a schema and key prefix of its own (`label`: which test). */
    targetArgs(label: string): string[] {
      const schema = `floodgate_${label}_${process.pid}_${schemas.length}`;
      schemas.push(schema);
      return ['--redis-url', redis!.url, '--database-url', pg, '--schema', schema, '--key-prefix', schema];
    },
  };
}
