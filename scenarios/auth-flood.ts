// Auth flood (the Go-API resilience study, P3): users with valid tokens go about their work while
// an attacker on a few source addresses floods the edge with tokens it must refuse. Roles go by
// source address (k6 --local-ips): the edge can only tell them apart the way a real one does.
import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { defineScenario } from '../lib/k6/scenario.ts';
import { AUTH_FLOOD } from '../lib/catalog/auth-flood.ts';
import { durationSeconds } from '../lib/options.ts';
import { PREFIX } from '../lib/fail.ts';
import { addressIndex, poolSize } from '../lib/local-ips.ts';
import { perIncrement, sinceFirst, trailingWindow } from '../lib/counter-meters.ts';
import { probeConfig, targetProbe } from '../lib/k6/probe.ts';
import { staggerStart } from '../lib/k6/clients.ts';
import { ATTACK_KINDS, attackRequest, attackTokens, legitRequest, type AttackTokens } from '../lib/k6/auth-client.ts';

const run = defineScenario(AUTH_FLOOD);
const k = run.knobs;
const seconds = durationSeconds(k.DURATION)!;
const thinkTime = durationSeconds(k.THINK_TIME)!;
const vus = k.ADDRESSES * k.VUS_PER_ADDRESS;
// k6 makes one VU more than the flood's, for the probe, and which one the probe takes is not
// fixed: the attacker's share is paced over the VUs on its addresses among all of them.
const senders = Array.from({ length: vus + 1 }, (_, i) => addressIndex(i + 1, k.ADDRESSES) < k.ATTACK_ADDRESSES).filter(Boolean).length;

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
      flood: { executor: 'constant-vus', vus, duration: k.DURATION, gracefulStop: k.REQUEST_TIMEOUT, exec: 'flood' },
      probe: probe.scenario,
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

function issue(sub: string, ttl: number): string {
  const res = http.get(`${run.baseUrl}${k.TOKEN_PATH}?sub=${sub}&ttl=${ttl}`, { tags: { name: 'token' }, responseType: 'text' });
  const token = res.status === 200 ? (res.json('token') as string | undefined) : undefined;
  if (typeof token !== 'string') {
    exec.test.abort(
      `${PREFIX} ${run.baseUrl}${k.TOKEN_PATH}?sub=${sub}&ttl=${ttl} answered ${res.status === 0 ? res.error : `HTTP ${res.status}`}, ` +
        'not {"token": "..."}: -e TOKEN_PATH must name an issuer that signs tokens for the service under test',
    );
  }
  return token!;
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
  const users = Array.from({ length: vus + 1 }, (_, i) => issue(`user-${i + 1}`, ttl));
  return { users, attack: attackTokens(users[0]!, issue('stolen', -3600)) };
}

export const handleSummary = run.handleSummary;

const url = `${run.baseUrl}${k.API_PATH}`;
// Per VU (module state is per VU): its role, from the address it dials from, and its turn.
let role: 'attack' | 'legit' | undefined;
let sent = 0;

export function flood(data: Tokens): void {
  const id = exec.vu.idInInstance;
  role ??= addressIndex(id, k.ADDRESSES) < k.ATTACK_ADDRESSES ? 'attack' : 'legit';
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

export function probeTarget(): void {
  probe.exec();
}
