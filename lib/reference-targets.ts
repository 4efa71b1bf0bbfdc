// Where the reference targets listen and how to ask them if they are up. The one place both
// the targets (Node) and the scenarios (k6) read, so `k6 run dist/echo.js` with no flags
// finds the target `npm run targets -- echo` started. Plain data: no Node or k6 globals.

/** Loopback only: the targets are load-test fodder and must never be reachable from outside. */
export const TARGET_HOST = '127.0.0.1';

export const REFERENCE_TARGETS = {
  echo: { port: 8081, healthPath: '/healthz' },
  burst: { port: 8082, healthPath: '/healthz' },
  'slow-upstream': { port: 8083, healthPath: '/healthz' },
  'db-pool': { port: 8084, healthPath: '/healthz' },
  ws: { port: 8085, healthPath: '/healthz' },
  // slow-upstream in Go (targets/slow-upstream-go/): the same scenario, a real goroutine pileup.
  'slow-upstream-go': { port: 8086, healthPath: '/healthz' },
  // The single-container 1,000-client study's service with a ceiling: its endpoints are /api/health and /api/data.
  capacity: { port: 8087, healthPath: '/api/health' },
  // The Go-API study's edge that verifies JWTs in front of an origin, with its issuer and JWKS.
  'auth-flood': { port: 8088, healthPath: '/healthz' },
  // The Go-API study's burst limiter keeping its state in a KV store (Redis).
  'kv-writes': { port: 8089, healthPath: '/healthz' },
  // The flood-defence study's hot key: Redis in front of a slow PostgreSQL query.
  'cache-stampede': { port: 8090, healthPath: '/healthz' },
  // The flood-defence study's load balancing: Debian's nginx in front of replicas, one strategy per path.
  'lb-strategies': { port: 8091, healthPath: '/healthz' },
  // The flood-defence study's queue offload: writes accepted onto a Redis stream, applied by workers at the database's pace.
  'queue-offload': { port: 8092, healthPath: '/healthz' },
} as const;

export type TargetName = keyof typeof REFERENCE_TARGETS;

export const targetNames = Object.keys(REFERENCE_TARGETS) as TargetName[];

export function referenceUrl(name: TargetName, port: number = REFERENCE_TARGETS[name].port): string {
  return `http://${TARGET_HOST}:${port}`;
}
