// @ts-check
// The environment every k6 process of the pack runs with: nothing may reach the network unasked.
/** @param {NodeJS.ProcessEnv} [base] */
export function k6Env(base = process.env) {
  return {
    // The usage report is a call home; the pack's runs are offline by default.
    K6_NO_USAGE_REPORT: 'true',
    // A stray `k6/x/` import would otherwise trigger a download of a custom k6 build.
    K6_AUTO_EXTENSION_RESOLUTION: 'false',
    ...base,
  };
}
