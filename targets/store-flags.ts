// Where a target's stores are, as --database-url and --redis-url: one default each, which the
// environment (DATABASE_URL, REDIS_URL, as docker-compose sets them) overrides.
import type { TargetFlag } from './target.ts';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

function storeFlag(what: string, env: string, fallback: string): TargetFlag {
  const value = process.env[env] ?? fallback;
  return { describe: `${what} (env ${env} wins over the default)`, type: 'string', defaults: { protected: value, naive: value } };
}

export const databaseUrlFlag = (what: string) => storeFlag(what, 'DATABASE_URL', DEFAULT_DATABASE_URL);
export const redisUrlFlag = (what: string) => storeFlag(what, 'REDIS_URL', DEFAULT_REDIS_URL);
