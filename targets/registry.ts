// Every reference target by name: what `npm run targets -- <name>` can start.
import type { TargetName } from '../lib/reference-targets.ts';
import { authFlood } from './auth-flood.ts';
import { burst } from './burst.ts';
import { cacheStampede } from './cache-stampede.ts';
import { capacity } from './capacity.ts';
import { dbPool } from './db-pool.ts';
import { echo } from './echo.ts';
import { kvWrites } from './kv-writes.ts';
import { lbStrategies } from './lb-strategies.ts';
import { queueOffload } from './queue-offload.ts';
import { slowUpstream } from './slow-upstream.ts';
import { slowUpstreamGo } from './slow-upstream-go.ts';
import type { TargetModule } from './target.ts';
import { ws } from './ws.ts';

export const TARGETS: Record<TargetName, TargetModule> = {
  echo,
  burst,
  'slow-upstream': slowUpstream,
  'slow-upstream-go': slowUpstreamGo,
  'db-pool': dbPool,
  ws,
  capacity,
  'auth-flood': authFlood,
  'kv-writes': kvWrites,
  'cache-stampede': cacheStampede,
  'lb-strategies': lbStrategies,
  'queue-offload': queueOffload,
};
