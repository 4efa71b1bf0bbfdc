// @ts-check
// The environment every k6 process of the pack runs with: nothing may reach the network unasked;
// PWD says where k6 runs, since the scenarios resolve relative -e paths (THRESHOLDS_FILE,
// RESULTS_DIR) against it and a parent's PWD may name another directory; the machine, for the
// provenance every results file keeps (lib/provenance.ts), which k6 cannot see itself; and Go's
// GC target where a scenario needs another than Go's.
import { cpus, release, totalmem } from 'node:os';
import { basename } from 'node:path';

/**
 * GOGC for the k6 running a scenario, where Go's default (100) is the wrong trade. ws-hold holds
 * tens of thousands of sockets whose pings and echoes leave garbage (k6 builds an event object
 * for every message and pong): with 100 the heap grows to twice the live size between
 * collections, and k6 holds a socket in about 1.5 times the memory bare k6/websockets needs;
 * with 10, in at most 1.15 times, for 2.5 to 3 times the CPU while the sockets are held
 * (measured side by side by `npm run bench:ws-profile`, docs/benchmarks.md). A GOGC the caller
 * set wins: `GOGC=100` when CPU, not memory, is what runs out.
 */
export const GO_GC = Object.freeze({ 'ws-hold': '10' });

/**
 * The scenario a k6 command line runs: the basename of its script or archive (the last argument
 * that is not a flag or a key=value, ending in .js, .ts or .tar).
 */
const scenarioOf = (/** @type {readonly string[]} */ args) => {
  const script = [...args].reverse().find((a) => !a.startsWith('-') && !a.includes('=') && /\.(js|ts|tar)$/.test(a));
  return script === undefined ? undefined : basename(script).replace(/\.(js|ts|tar)$/, '');
};

/**
 * @param {NodeJS.ProcessEnv} [base]
 * @param {string} [cwd] the directory k6 runs in
 * @param {readonly string[]} [args] k6's arguments, for the scenario's GOGC
 */
export function k6Env(base = process.env, cwd = process.cwd(), args = []) {
  const scenario = scenarioOf(args);
  const gogc = scenario === undefined ? undefined : /** @type {Record<string, string>} */ (GO_GC)[scenario];
  return {
    // The usage report is a call home; the pack's runs are offline by default.
    K6_NO_USAGE_REPORT: 'true',
    // A stray `k6/x/` import would otherwise trigger a download of a custom k6 build.
    K6_AUTO_EXTENSION_RESOLUTION: 'false',
    FLOODGATE_MACHINE: JSON.stringify({ cores: cpus().length, memoryBytes: totalmem(), kernel: `${process.platform} ${release()}` }),
    ...(gogc === undefined ? {} : { GOGC: gogc }),
    ...base,
    PWD: cwd,
  };
}
