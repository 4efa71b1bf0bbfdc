// @ts-check
// Finds the pinned k6 (on PATH or in the cache) or builds it from its Go module into the cache.
// Every command that runs k6 goes through ensureK6(), so the whole pack uses one version.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths.mjs';
import { hasGo } from './go-target.mjs';

export const K6_VERSION = 'v2.2.0';
// k6 v2 moved its module path to /v2; `go install go.k6.io/k6@v2...` would not resolve.
const K6_MODULE = 'go.k6.io/k6/v2';
const binDir = join(cacheDir, 'k6', K6_VERSION);
export const cachedK6 = join(binDir, 'k6');

/** @param {string} bin @returns {string | null} the `k6 version` line, or null if it does not run */
function versionOf(bin) {
  try {
    return execFileSync(bin, ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim();
  } catch {
    return null;
  }
}

/** @param {string | null} line */
const isPinned = (line) => line !== null && new RegExp(`^k6 ${K6_VERSION.replace(/\./g, '\\.')}\\b`).test(line);

/** @param {string} msg */
const say = (msg) => process.stderr.write(`floodgate: ${msg}\n`);

/** @param {string[]} args @param {Record<string, string>} env @param {string} cwd */
function go(args, env, cwd) {
  const r = spawnSync('go', args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0;
}

function build() {
  mkdirSync(binDir, { recursive: true });
  say(`building k6 ${K6_VERSION} from ${K6_MODULE} into ${binDir} (first time only; a few minutes)`);
  // Build into a private directory and rename, so a concurrent run never sees half a binary.
  const staging = join(binDir, `.staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  if (go(['install', '-trimpath', `${K6_MODULE}@${K6_VERSION}`], { GOBIN: staging }, staging)) {
    renameSync(join(staging, 'k6'), cachedK6);
    return;
  }
  // `go install pkg@version` also asks the proxy for the module's version list (to report
  // deprecations); a proxy mirror that only serves pinned versions answers 404 there. A
  // throwaway module that requires the exact version and builds it needs only that version.
  say('go install failed; building through a throwaway module that pins the exact version');
  writeFileSync(join(staging, 'go.mod'), 'module floodgate/k6build\n\ngo 1.22\n');
  if (
    !go(['get', `${K6_MODULE}@${K6_VERSION}`], {}, staging) ||
    !go(['build', '-trimpath', '-o', cachedK6 + '.tmp', K6_MODULE], {}, staging)
  ) {
    throw new Error(`could not build k6 ${K6_VERSION} with Go (see the go output above)`);
  }
  renameSync(cachedK6 + '.tmp', cachedK6);
}

const HOW_TO_GET_K6 = `k6 ${K6_VERSION} is needed and neither it nor Go was found.
Get k6 ${K6_VERSION} one of these ways, then run the command again:
  - a package manager: https://grafana.com/docs/k6/latest/set-up/install-k6/ (apt, dnf, brew, winget, choco)
  - the container image: docker run --rm -i -v "$PWD:/work" -w /work grafana/k6:2.2.0 run dist/echo.js
  - Go (1.22+): go install ${K6_MODULE}@${K6_VERSION}  (then put it on PATH, or set K6_BINARY)`;

/**
 * The path of a k6 binary of the pinned version, building it if needed.
 * Order: $K6_BINARY, `k6` on PATH, the cache, then a build with Go.
 * @returns {string}
 */
export function ensureK6() {
  const bin = findK6();
  // k6 cannot tell a script its own version: the results file's provenance gets it from here (k6Env passes the environment on).
  if (!process.env.FLOODGATE_K6) {
    const line = versionOf(bin);
    if (line) process.env.FLOODGATE_K6 = line;
  }
  return bin;
}

/** @returns {string} */
function findK6() {
  const explicit = process.env.K6_BINARY;
  if (explicit) {
    const line = versionOf(explicit);
    if (!isPinned(line)) throw new Error(`K6_BINARY=${explicit} is ${line ?? 'not a runnable k6'}; floodgate pins k6 ${K6_VERSION}`);
    return explicit;
  }
  if (isPinned(versionOf('k6'))) return 'k6';
  if (existsSync(cachedK6) && isPinned(versionOf(cachedK6))) return cachedK6;
  if (!hasGo()) throw new Error(HOW_TO_GET_K6);
  build();
  const line = versionOf(cachedK6);
  if (!isPinned(line)) throw new Error(`built ${cachedK6}, but it reports "${line}" instead of k6 ${K6_VERSION}`);
  say(`k6 ${K6_VERSION} ready: ${cachedK6}`);
  return cachedK6;
}

// As a command: print the path (for shell use and CI logs).
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(ensureK6() + '\n');
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
