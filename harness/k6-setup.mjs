// @ts-check
// Finds the pinned k6 (on PATH or in the cache) or builds it from its Go module into the cache.
// Every command that runs k6 goes through ensureK6(), so the whole pack uses one version.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, repoRoot } from './paths.mjs';
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

// The pack's k6 extension (xk6/wshold: k6/x/floodgate-ws, the lean WebSocket engine ws-hold's
// ENGINE=xk6 selects), built into a k6 of the same pinned version, the way xk6 builds one: a
// throwaway main module that imports k6's command and the extension. The cache key is a hash of
// the extension's source, so an edit rebuilds it.
export const XK6_MODULE = 'k6/x/floodgate-ws';
const xk6Dir = join(repoRoot, 'xk6', 'wshold');

/** The extension's build: a hash of its source, the cache key of the k6 built with it. */
export function xk6Build() {
  const h = createHash('sha256');
  for (const f of readdirSync(xk6Dir).sort()) {
    if (/\.go$|^go\.(mod|sum)$/.test(f) && !f.endsWith('_test.go')) h.update(f).update(readFileSync(join(xk6Dir, f)));
  }
  return h.digest('hex').slice(0, 12);
}

/**
 * The path of k6 (pinned) with the pack's extension, building it if needed (a few minutes the
 * first time; Go is required). $K6_XK6_BINARY names a ready one.
 * @returns {string}
 */
export function ensureK6Xk6() {
  const explicit = process.env.K6_XK6_BINARY || undefined;
  const bin = explicit ?? join(cacheDir, 'k6', `${K6_VERSION}+wshold-${xk6Build()}`, 'k6');
  const ready = () => {
    const line = versionOf(bin);
    return isPinned(line) && (line ?? '').includes(XK6_MODULE);
  };
  if (existsSync(bin) && ready()) return bin;
  if (explicit) throw new Error(`K6_XK6_BINARY=${explicit} is not k6 ${K6_VERSION} with ${XK6_MODULE} (k6 version lists its extensions)`);
  if (!hasGo())
    throw new Error(`ENGINE=xk6 needs k6 ${K6_VERSION} built with ${XK6_MODULE} (xk6/wshold), and Go is not installed to build it`);
  const dir = join(bin, '..');
  say(`building k6 ${K6_VERSION} with ${XK6_MODULE} into ${dir} (once per change of xk6/wshold; a few minutes)`);
  const staging = join(dir, `.staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  writeFileSync(
    join(staging, 'go.mod'),
    `module floodgate/k6xk6build\n\ngo 1.25.0\n\nrequire floodgate/xk6/wshold v0.0.0\n\nreplace floodgate/xk6/wshold => ${xk6Dir}\n`,
  );
  copyFileSync(join(xk6Dir, 'go.sum'), join(staging, 'go.sum'));
  writeFileSync(
    join(staging, 'main.go'),
    `package main\n\nimport (\n\t"go.k6.io/k6/v2/cmd"\n\n\t_ "floodgate/xk6/wshold"\n)\n\nfunc main() { cmd.Execute() }\n`,
  );
  // -mod=mod: k6's command imports more than the extension does; their sums come from the proxy.
  if (!go(['build', '-mod=mod', '-trimpath', '-o', join(staging, 'k6'), '.'], {}, staging)) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`could not build k6 ${K6_VERSION} with ${XK6_MODULE} (see the go output above)`);
  }
  renameSync(join(staging, 'k6'), bin);
  rmSync(staging, { recursive: true, force: true });
  if (!ready()) throw new Error(`built ${bin}, but \`k6 version\` does not list ${XK6_MODULE}`);
  say(`k6 ${K6_VERSION} with ${XK6_MODULE} ready: ${bin}`);
  return bin;
}

/**
 * The k6 a command line needs: the build with the extension when it asks for ENGINE=xk6.
 * @param {readonly string[]} args
 */
export const k6For = (args) => (args.some((a) => /^ENGINE=xk6$/.test(a)) ? ensureK6Xk6() : ensureK6());

// As a command: print the path (for shell use and CI logs).
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write((process.argv[2] === '--xk6' ? ensureK6Xk6() : ensureK6()) + '\n');
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
