// @ts-check
// Where floodgate keeps what it downloads or builds outside the clone, so repeat runs are fast
// and a fresh clone stays clean: $FLOODGATE_CACHE, else $XDG_CACHE_HOME/floodgate, else ~/.cache/floodgate.
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export const cacheDir = process.env.FLOODGATE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'floodgate');
