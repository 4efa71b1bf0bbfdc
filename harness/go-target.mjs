// @ts-check
// Builds a Go module of the repository (a reference target under targets/, a peer under
// test/peers/: its dependencies pinned in go.sum) into the cache, keyed by a hash of its
// sources: an edit rebuilds, a repeat run does not. Used by the targets CLI when such a target
// starts, and by npm test before the tests.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, repoRoot } from './paths.mjs';

/** Whether a Go toolchain is on PATH (k6 and the Go targets are built with it). */
export function hasGo() {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** @param {string} dir */
function sourceHash(dir) {
  const hash = createHash('sha256');
  for (const f of readdirSync(dir)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort()) {
    hash
      .update(f)
      .update('\0')
      .update(readFileSync(join(dir, f)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The path of the built binary of the Go module at `dir` (relative to the repository root),
 * building it first if the cache has none for these sources.
 * @param {string} dir e.g. targets/slow-upstream-go or test/peers/jwt-edge
 * @returns {string}
 */
export function ensureGoModule(dir) {
  const name = dir.split('/').pop() ?? dir;
  const abs = join(repoRoot, dir);
  const binDir = join(cacheDir, 'go-modules', dir.replace(/\//g, '_'), sourceHash(abs));
  const bin = join(binDir, name);
  if (existsSync(bin)) return bin;
  if (!hasGo()) {
    const goLine = /^go (\S+)/m.exec(readFileSync(join(abs, 'go.mod'), 'utf8'))?.[1];
    throw new Error(`${dir} is a Go service: building it needs Go ${goLine ?? ''}+ (https://go.dev/dl/), which is not on PATH`);
  }
  mkdirSync(binDir, { recursive: true });
  process.stderr.write(`floodgate: building ${name} from ${dir} into ${binDir} (first time only)\n`);
  // -mod=readonly: go.sum is the pin; a build never edits the module files.
  const tmp = `${bin}.${process.pid}.tmp`;
  const r = spawnSync('go', ['build', '-mod=readonly', '-trimpath', '-o', tmp, '.'], { cwd: abs, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`could not build ${dir} with Go (see the go output above)`);
  renameSync(tmp, bin); // a concurrent run never sees half a binary
  return bin;
}

/**
 * The path of the built binary of targets/<name>/.
 * @param {string} name
 * @returns {string}
 */
export const ensureGoTarget = (name) => ensureGoModule(`targets/${name}`);
