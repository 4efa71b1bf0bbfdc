// @ts-check
// Runs build.mjs in a child process (it is fast), so every script works from source edits.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.mjs';

export function buildAll() {
  const r = spawnSync(process.execPath, [join(repoRoot, 'build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write('floodgate: build failed (see above)\n');
    process.exit(r.status ?? 1);
  }
}
