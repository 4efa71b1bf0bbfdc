// Auth flood (the Go-API resilience study, P3): users with valid tokens go about their work while
// an attacker on a few source addresses floods the edge with tokens it must refuse. Roles go by
// source address (k6 --local-ips): the edge can only tell them apart the way a real one does.
// The pool's first address is the harness's: setup()'s token fetches and the probe's scrapes
// come from it, so a service that limits each address in front of everything is judged on the
// flood, not on its answers to the harness.
import exec from 'k6/execution';
import { sleep } from 'k6';
import { defineScenario } from '../lib/k6/scenario.ts';
import { AUTH_FLOOD } from '../lib/catalog/auth-flood.ts';
import { durationSeconds } from '../lib/options.ts';
import { fail, PREFIX } from '../lib/fail.ts';
import { firstAddress, poolSize, roleOf, type AddressRole } from '../lib/local-ips.ts';
import { perIncrement, sinceFirst, trailingWindow } from '../lib/counter-meters.ts';
import { probeConfig, targetProbe } from '../lib/k6/probe.ts';
import { staggerStart } from '../lib/k6/clients.ts';
import { assertSafeTargets } from '../lib/safety.ts';
import { ATTACK_KINDS, attackRequest, attackTokens, fetchToken, legitRequest, type AttackTokens } from '../lib/k6/auth-client.ts';

const run = defineScenario(AUTH_FLOOD);
const k = run.knobs;
const seconds = durationSeconds(k.DURATION)!;
const thinkTime = durationSeconds(k.THINK_TIME)!;
const vus = k.ADDRESSES * k.VUS_PER_ADDRESS;
const roles = Array.from({ length: vus }, (_, i) => roleOf(i + 1, k.ADDRESSES, k.ATTACK_ADDRESSES));
// The attacker's rate is paced over the VUs on its addresses; every user has a token of its own.
const senders = roles.filter((r) => r === 'attack').length;
const users = roles.filter((r) => r === 'legit').length;
if (users === 0) {
  fail(
    `-e ADDRESSES=${k.ADDRESSES} with ATTACK_ADDRESSES=${k.ATTACK_ADDRESSES} leaves no address for users (the first is the harness's): ` +
      `ADDRESSES must be at least ATTACK_ADDRESSES + 2`,
  );
}
const tokenUrl = k.TOKEN_URL || `${run.baseUrl}${k.TOKEN_PATH}`;
assertSafeTargets({ TOKEN_URL: tokenUrl }, run.allowedHosts);

// The process's CPU over the requests it refused: 401s, and 429s where the service counts them.
// Users' work is charged to the refusals too, so it errs on the strict side. Without the 429s in
// the count, an edge whose address limit turns most of a flood away (users behind the attacker's
// address) had all those cheap answers charged to the few 401s, and read several times dearer
// than it is. Below 50 refusals between scrapes it would be mostly the scrape's own cost.
const cpuPerRejection = perIncrement(50);
const jwksPerMinute = trailingWindow(60);
const originInvalid = sinceFirst();
const probe = targetProbe(
  probeConfig(run, seconds, {
    target_cpu_ms_per_rejection: {
      from: (v) =>
        v.target_cpu_seconds === undefined || v.target_rejections === undefined
          ? undefined
          : cpuPerRejection(v.target_cpu_seconds * 1000, v.target_rejections + (v.target_rate_limited ?? 0)),
      needs: 'target_cpu_seconds and target_rejections (target_rate_limited counted too when read), at least 50 refusals apart',
    },
    target_jwks_fetches_per_minute: {
      from: (v) => (v.target_jwks_fetches === undefined ? undefined : jwksPerMinute(v.target_jwks_fetches, Date.now())),
      needs: 'target_jwks_fetches',
    },
    target_origin_invalid_requests: {
      from: (v) => (v.target_origin_invalid === undefined ? undefined : originInvalid(v.target_origin_invalid)),
      needs: 'target_origin_invalid',
    },
  }),
);

export const options = run.options(
  {
    scenarios: {
      // Constant VUs, not an arrival rate: a VU's role is its source address, which k6 fixes per VU.
      // The probe runs in the flood, on the harness's VU 1: a scenario of its own would get any VU,
      // and with it any address, an attacker's included.
      flood: { executor: 'constant-vus', vus, duration: k.DURATION, gracefulStop: k.REQUEST_TIMEOUT, exec: 'flood' },
    },
  },
  {
    probe,
    comparisons: [
      {
        title: "The attacker's tokens, by kind",
        tag: 'token',
        columns: Object.fromEntries(ATTACK_KINDS.map((kind) => [kind, seconds])),
        rows: [
          { label: 'requests/s', metric: 'http_reqs{role:attack}', stat: 'count', perSecond: true },
          { label: 'p95 ms', metric: 'http_req_duration{role:attack}', stat: 'p(95)' },
          { label: 'unexpected answers', metric: 'http_req_failed{role:attack}', stat: 'rate' },
        ],
      },
    ],
    figures: [
      { label: "users' requests", metric: 'http_reqs{role:legit}', stat: 'count' },
      { label: "attacker's requests", metric: 'http_reqs{role:attack}', stat: 'count' },
      { label: 'service CPU ms per refused token, p95', metric: 'target_cpu_ms_per_rejection', stat: 'p(95)' },
      { label: 'JWKS fetches in a minute, most', metric: 'target_jwks_fetches_per_minute', stat: 'max' },
      { label: 'invalid requests at the origin', metric: 'target_origin_invalid_requests', stat: 'max' },
    ],
  },
);

interface Tokens {
  users: string[];
  attack: AttackTokens;
}

/** setup(): the source addresses checked, a token for each user, and the attacker's tokens. */
export function setup(): Tokens {
  run.setup();
  // k6 exposes --local-ips here as given; @types/k6 does not list it.
  const pool = (exec.test.options as { localIPs?: string | null }).localIPs;
  if (!pool && !k.SHARED_ADDRESS) {
    exec.test.abort(
      `${PREFIX} auth-flood tells users from the attacker by source address, and every VU would dial from one: run ` +
        `k6 run --local-ips ${AUTH_FLOOD.localIps} (with -e ADDRESSES=<their number> for another pool), or -e SHARED_ADDRESS=true ` +
        "to put users behind the attacker's address on purpose",
    );
  }
  if (pool) {
    const counted = poolSize(pool);
    if ('error' in counted || counted.size !== k.ADDRESSES) {
      exec.test.abort(
        `${PREFIX} --local-ips ${pool}: ${'error' in counted ? counted.error : `${counted.size} addresses`}; ` +
          `auth-flood expects ADDRESSES=${k.ADDRESSES} IPv4 addresses (set -e ADDRESSES to the size of the pool)`,
      );
    }
  }
  // Valid for the whole run and then some (the issuer signs at most a day).
  const ttl = Math.min(86_400, Math.ceil(seconds) + 3600);
  const harness = pool ? (firstAddress(pool) ?? `the first of ${pool}`) : 'the one address every VU shares';
  const issue = (sub: string, life: number, what: string) => fetchToken({ url: tokenUrl, sub, ttl: life, what, harnessAddress: harness });
  const tokens = Array.from({ length: users }, (_, i) => issue(`user-${i + 1}`, ttl, `token ${i + 1} of ${users + 1}`));
  return { users: tokens, attack: attackTokens(tokens[0]!, issue('stolen', -3600, `token ${users + 1} of ${users + 1} (expired)`)) };
}

export const handleSummary = run.handleSummary;

const url = `${run.baseUrl}${k.API_PATH}`;
// Per VU (module state is per VU): its role, from the address it dials from, and its turn.
let role: AddressRole | undefined;
let sent = 0;

export function flood(data: Tokens): void {
  const id = exec.vu.idInInstance;
  role ??= roleOf(id, k.ADDRESSES, k.ATTACK_ADDRESSES);
  if (role === 'harness') {
    // VU 1 probes (each instance of a split run has one); the harness's other VUs send nothing.
    if (id === 1) probe.exec();
    else sleep(seconds);
    return;
  }
  if (role === 'legit') {
    staggerStart(thinkTime);
    legitRequest(url, data.users[id % data.users.length]!, k.REQUEST_TIMEOUT);
    if (thinkTime > 0) sleep(thinkTime * (0.5 + Math.random()));
    return;
  }
  if (k.ATTACK_RATE === 0) return void sleep(seconds);
  const kind = ATTACK_KINDS[(id + sent++) % ATTACK_KINDS.length]!;
  const started = Date.now();
  attackRequest(url, kind, data.attack[kind], k.REQUEST_TIMEOUT);
  // Each sender keeps its share of the rate, as fast as answers allow: a flood on open connections.
  const wait = senders / k.ATTACK_RATE - (Date.now() - started) / 1000;
  if (wait > 0) sleep(wait);
}
