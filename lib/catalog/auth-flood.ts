// auth-flood: legitimate users with valid tokens, each at about a request a second, while an
// attacker on a few source addresses floods the edge with tokens that must be refused (the
// Go-API resilience study, P3): bad signatures, expired, an unknown key id, alg "none", garbage,
// none at all. Are users unaffected, and is each rejection cheap, with the JWKS cached and the
// origin never reached?
import { bool, duration, httpPath, int, num, text } from '../options.ts';
import { poolSize } from '../local-ips.ts';
import { probeKnobs } from './common.ts';
import { declareScenario, knob } from './knob.ts';

// Loopback addresses are all the machine's own on Linux: nothing to set up. The first is the
// harness's (setup's token fetches and the probe's scrapes: k6 gives setup the pool's first
// address), the 20 after it the load's.
const SOURCES = '127.0.0.9-127.0.0.29';

export const AUTH_FLOOD = declareScenario({
  name: 'auth-flood',
  target: 'auth-flood',
  question: 'Does a flood of invalid JWTs cost the edge its users, its CPU, its JWKS cache or its origin?',
  load: "constant VUs: users with valid tokens at ~1 req/s each, an attacker at 500 req/s of invalid tokens from 2 of 20 source addresses (a 21st is the harness's)",
  localIps: SOURCES,
  knobs: {
    ADDRESSES: knob(
      int(2, 65_536),
      "source addresses in k6's --local-ips: VU n dials from address (n - 1) mod ADDRESSES; the first is the harness's (setup, the probe), never the load's",
      {
        full: (poolSize(SOURCES) as { size: number }).size,
      },
    ),
    ATTACK_ADDRESSES: knob(int(0, 65_536), "how many of the addresses after the harness's are the attacker's; the users have the rest", {
      full: 2,
    }),
    VUS_PER_ADDRESS: knob(int(1, 10_000), "VUs dialling from each address: users, or the attacker's senders", { full: 5 }),
    SHARED_ADDRESS: knob(
      bool(),
      "run without --local-ips, every VU on one source address (users behind the attacker's NAT): a per-address limit then refuses them too",
      { full: false },
    ),
    ATTACK_RATE: knob(num(0, 100_000), "the attacker's requests per second, all senders together", { full: 500, smoke: 300 }),
    THINK_TIME: knob(duration(0, 3600), "a user's pause between requests (varied by half either way)", { full: '1s' }),
    DURATION: knob(duration(1, 24 * 3600), 'length of the load', { full: '60s', smoke: '10s' }),
    API_PATH: knob(httpPath('/api/resource'), 'the endpoint that wants a bearer token (GET)', { full: '/api/resource' }),
    TOKEN_PATH: knob(
      httpPath('/auth/token'),
      'where setup() gets tokens on BASE_URL when TOKEN_URL is empty: GET ?sub=<user>&ttl=<seconds> answers {"token": ...} (a negative ttl: one already expired); the reference target\'s development issuer',
      { full: '/auth/token' },
    ),
    TOKEN_URL: knob(
      text(
        /^(https?:\/\/[^\s?#]+)?$/,
        'an absolute http(s) URL without a query, e.g. http://127.0.0.1:9001/token (empty: BASE_URL + TOKEN_PATH)',
      ),
      'your test issuer, anywhere (loopback, or a host in ALLOWED_HOSTS): asked as TOKEN_PATH is, from the harness address',
      { full: '', shown: 'BASE_URL + TOKEN_PATH' },
    ),
    REQUEST_TIMEOUT: knob(duration(0.001, 600), 'per-request timeout', { full: '10s' }),
    ...probeKnobs(
      'target_cpu_seconds=process_cpu_seconds_total,target_rejections=http_requests_total{handler="/api/resource",code="401"},' +
        'target_rate_limited=http_requests_total{handler="/api/resource",code="429"},' +
        'target_jwks_fetches=jwks_fetches_total,target_origin_invalid=origin_requests_total{token="invalid"}',
    ),
  },
});
