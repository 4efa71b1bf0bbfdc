// @ts-check
// Every Go module in the repository (a directory with a go.mod): the Go targets and peers that
// npm test formats, vets and checks the licences of. Found by walking the tree, so a new module
// is checked without being listed anywhere.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './paths.mjs';

// Not the pack's own sources: installed packages, build output, and git's store.
const SKIP = new Set(['node_modules', 'dist', '.git', 'results']);

/** @returns {string[]} the module directories, relative to the repository root, sorted */
export function goModuleDirs() {
  /** @type {string[]} */
  const found = [];
  /** @param {string} dir */
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === 'go.mod')) found.push(relative(repoRoot, dir));
    for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name)) walk(join(dir, e.name));
  };
  walk(repoRoot);
  return found.sort();
}
