// @ts-check
// Loaded with `node --import`: makes `k6` and `k6/*` imports resolve to the in-memory shims
// beside this file, so lib/ modules that use k6 APIs run under Node's test runner.
import { register } from 'node:module';

register('./k6-resolve.mjs', import.meta.url);
