// @ts-check
// Installs the npm dependencies when node_modules is missing or older than package-lock.json,
// so every npm script works from a fresh clone. A no-op (milliseconds) when they are current.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.mjs';

const lock = join(repoRoot, 'package-lock.json');
const stamp = join(repoRoot, 'node_modules', '.floodgate-lock-sha256');

export function ensureDeps() {
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  process.stderr.write('floodgate: installing npm dependencies (npm ci)\n');
  // npm's cache (~/.npm) lives outside the clone, so a second fresh clone installs offline-fast.
  const r = spawnSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    process.stderr.write('floodgate: npm ci failed (see above)\n');
    process.exit(r.status ?? 1);
  }
  writeFileSync(stamp, want);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureDeps();
