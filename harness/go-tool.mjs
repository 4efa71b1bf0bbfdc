// @ts-check
// Go tools the pack builds (kubeconform, actionlint, the fault proxy toxiproxy), pinned, from the Go module proxy into the
// cache, as k6 is: through a throwaway module that requires the exact version (a proxy mirror that
// serves only pinned versions refuses `go install pkg@version`'s version list). The module is
// kept beside the binary, so the licence check can list exactly what was compiled into it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths.mjs';
import { hasGo } from './go-target.mjs';

/** The tools, pinned: module, version, the package of the command, and the licence its own repository states. */
export const GO_TOOLS = {
  kubeconform: {
    module: 'github.com/yannh/kubeconform',
    version: 'v0.8.0',
    pkg: 'github.com/yannh/kubeconform/cmd/kubeconform',
    licence: 'Apache-2.0',
  },
  actionlint: {
    module: 'github.com/rhysd/actionlint',
    version: 'v1.7.12',
    pkg: 'github.com/rhysd/actionlint/cmd/actionlint',
    licence: 'MIT',
  },
  // The fault proxy behind npm run faults; `@latest` resolves to an old v2.5.0 on the proxy here.
  'toxiproxy-server': {
    module: 'github.com/Shopify/toxiproxy/v2',
    version: 'v2.12.0',
    pkg: 'github.com/Shopify/toxiproxy/v2/cmd/server',
    licence: 'MIT',
  },
};

/** @typedef {keyof typeof GO_TOOLS} GoToolName */

/** @param {string} cwd @param {string[]} args */
const go = (cwd, args) => spawnSync('go', args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;

/**
 * The throwaway module that pins `name` (go.mod and go.sum), made if missing.
 * @param {GoToolName} name
 * @returns {string} its directory
 */
export function goToolModule(name) {
  const t = GO_TOOLS[name];
  const dir = join(cacheDir, name, t.version, 'module');
  if (existsSync(join(dir, 'go.sum'))) return dir;
  if (!hasGo()) throw new Error(`${name} ${t.version} is needed, and Go is not installed to build it`);
  const staging = `${dir}.staging-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'go.mod'), `module floodgate/${name}build\n\ngo 1.22\n`);
  // The command package, not the module: its dependencies get their go.sum entries too.
  if (!go(staging, ['get', `${t.pkg}@${t.version}`])) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`could not fetch ${name} ${t.version} with Go (see the go output above)`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

/**
 * The path of the pinned `name`, built on first use.
 * @param {GoToolName} name
 * @returns {string}
 */
export function ensureGoTool(name) {
  const t = GO_TOOLS[name];
  const bin = join(cacheDir, name, t.version, name);
  if (existsSync(bin)) return bin;
  const mod = goToolModule(name);
  process.stderr.write(`floodgate: building ${name} ${t.version} from ${t.module} into ${join(bin, '..')} (first time only)\n`);
  const tmp = `${bin}.${process.pid}.tmp`;
  if (!go(mod, ['build', '-trimpath', '-o', tmp, t.pkg]))
    throw new Error(`could not build ${name} ${t.version} with Go (see the go output above)`);
  // Renamed into place whole, so a concurrent run never sees half a binary.
  renameSync(tmp, bin);
  return bin;
}
