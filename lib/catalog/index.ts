// Every scenario of the pack, by name: what the demo, fanout, the docs generator and the tests
// list. A scenario file in scenarios/ without an entry here (or the reverse) fails a test.
import { AUTH_FLOOD } from './auth-flood.ts';
import { BREAKING_POINT } from './breaking-point.ts';
import { BURST } from './burst.ts';
import { CACHE_STAMPEDE } from './cache-stampede.ts';
import { DB_POOL } from './db-pool.ts';
import { ECHO } from './echo.ts';
import { KEEP_ALIVE } from './keep-alive.ts';
import { KV_WRITES } from './kv-writes.ts';
import { LB_STRATEGIES_SCENARIO } from './lb-strategies.ts';
import { QUEUE_OFFLOAD } from './queue-offload.ts';
import { RECOVERY } from './recovery.ts';
import type { ScenarioDecl } from './knob.ts';
import { SLOW_UPSTREAM } from './slow-upstream.ts';
import { WS_HOLD } from './ws-hold.ts';
import { WS_THROUGHPUT } from './ws-throughput.ts';

export const SCENARIOS: Record<string, ScenarioDecl> = Object.fromEntries(
  [
    ECHO,
    KEEP_ALIVE,
    BURST,
    SLOW_UPSTREAM,
    DB_POOL,
    WS_HOLD,
    WS_THROUGHPUT,
    RECOVERY,
    BREAKING_POINT,
    AUTH_FLOOD,
    KV_WRITES,
    CACHE_STAMPEDE,
    LB_STRATEGIES_SCENARIO,
    QUEUE_OFFLOAD,
  ].map((s) => [s.name, s]),
);
