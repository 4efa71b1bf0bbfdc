// @ts-check
// What a bundle knows of where it was built (lib/provenance.ts's BuildFacts), as esbuild defines
// it: the clone's commit and whether tracked files differed from it; `undefined` outside a clone.
import { spawnSync } from 'node:child_process';
import { repoRoot } from './paths.mjs';

/** @returns {string} a JavaScript expression */
export function buildFacts() {
  const git = (/** @type {string[]} */ args) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
  const head = git(['rev-parse', 'HEAD']);
  if (head.status !== 0) return 'undefined';
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return JSON.stringify({ commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' });
}
