// @ts-check
// The results directory of a `k6 run` the pack starts: read from its -e RESULTS_DIR (default
// `results`, as lib/catalog/common.ts says), created, and checked writable before k6 starts. k6
// itself cannot create it and, when it cannot write there, loses the summaries with one log line.
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** The value of `-e KEY=value` (any of k6's spellings) in a k6 command line, the last one winning. */
export function envArg(/** @type {readonly string[]} */ args, /** @type {string} */ key) {
  /** @type {string | undefined} */
  let found;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const pair = a === '-e' || a === '--env' ? args[++i] : /^(?:-e|--env=)(.+)$/.exec(a ?? '')?.[1];
    if (pair?.startsWith(`${key}=`)) found = pair.slice(key.length + 1);
  }
  return found;
}

/**
 * Creates the results directory a k6 command line names (relative to `cwd`, where k6 runs) and
 * checks it can be written. Returns its absolute path; throws an Error saying what is wrong.
 */
export function ensureResultsDir(/** @type {readonly string[]} */ args, cwd = process.cwd()) {
  const given = envArg(args, 'RESULTS_DIR') ?? 'results';
  const dir = resolve(cwd, given);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`RESULTS_DIR=${given}: cannot create or write ${dir} (${why}); name a directory you can write to`, { cause: err });
  }
  return dir;
}

/**
 * A base path (no extension) for files the pack writes beside earlier ones: `base` itself, or
 * `base-2`, `base-3`... when a file with one of `extensions` is already there, so two runs in the
 * same second (the stamp's grain) never overwrite each other's results.
 */
export function freshBase(/** @type {string} */ base, /** @type {readonly string[]} */ extensions) {
  const taken = (/** @type {string} */ b) => extensions.some((ext) => existsSync(`${b}${ext}`));
  let candidate = base;
  for (let n = 2; taken(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}
