// @ts-check
// The environment every k6 process of the pack runs with: nothing may reach the network unasked;
// PWD says where k6 runs, since the scenarios resolve relative -e paths (THRESHOLDS_FILE,
// RESULTS_DIR) against it and a parent's PWD may name another directory; and the machine, for the
// provenance every results file keeps (lib/provenance.ts), which k6 cannot see itself.
import { cpus, release, totalmem } from 'node:os';
/** @param {NodeJS.ProcessEnv} [base] @param {string} [cwd] the directory k6 runs in */
export function k6Env(base = process.env, cwd = process.cwd()) {
  return {
    // The usage report is a call home; the pack's runs are offline by default.
    K6_NO_USAGE_REPORT: 'true',
    // A stray `k6/x/` import would otherwise trigger a download of a custom k6 build.
    K6_AUTO_EXTENSION_RESOLUTION: 'false',
    FLOODGATE_MACHINE: JSON.stringify({ cores: cpus().length, memoryBytes: totalmem(), kernel: `${process.platform} ${release()}` }),
    ...base,
    PWD: cwd,
  };
}
