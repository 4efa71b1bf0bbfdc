// @ts-check
// Go tools the suite checks with (kubeconform, actionlint), built pinned from the Go module proxy into the
// cache, as k6 is: through a throwaway module that requires the exact version (a proxy mirror that
// serves only pinned versions refuses `go install pkg@version`'s version list).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths.mjs';
import { hasGo } from './go-target.mjs';

/** The tools, pinned: module, version and the package of the command. */
export const GO_TOOLS = {
  kubeconform: { module: 'github.com/yannh/kubeconform', version: 'v0.8.0', pkg: 'github.com/yannh/kubeconform/cmd/kubeconform' },
  actionlint: { module: 'github.com/rhysd/actionlint', version: 'v1.7.12', pkg: 'github.com/rhysd/actionlint/cmd/actionlint' },
};

/**
 * The path of the pinned `name`, built on first use.
 * @param {keyof typeof GO_TOOLS} name
 * @returns {string}
 */
export function ensureGoTool(name) {
  const t = GO_TOOLS[name];
  const dir = join(cacheDir, name, t.version);
  const bin = join(dir, name);
  if (existsSync(bin)) return bin;
  if (!hasGo()) throw new Error(`${name} ${t.version} is needed to check the manifests, and Go is not installed to build it`);
  process.stderr.write(`floodgate: building ${name} ${t.version} from ${t.module} into ${dir} (first time only)\n`);
  const staging = join(dir, `.staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'go.mod'), `module floodgate/${name}build\n\ngo 1.22\n`);
  /** @param {string[]} args */
  const go = (args) => spawnSync('go', args, { cwd: staging, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
  // The command package, not the module: its dependencies get their go.sum entries too.
  const ok = go(['get', `${t.pkg}@${t.version}`]) && go(['build', '-trimpath', '-o', join(staging, name), t.pkg]);
  if (!ok) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`could not build ${name} ${t.version} with Go (see the go output above)`);
  }
  // Renamed into place whole, so a concurrent run never sees half a binary.
  renameSync(join(staging, name), bin);
  rmSync(staging, { recursive: true, force: true });
  return bin;
}
