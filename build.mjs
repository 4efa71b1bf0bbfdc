// @ts-check
// Bundles each scenarios/*.ts into dist/<name>.js for k6, and the reference targets into one
// Node bundle. `node build.mjs`; takes well under a second. A file is replaced only when its
// bundle changed, and then at once (written aside, renamed over): a k6 run or a target starting
// while another process rebuilds reads the old file or the new one, never half of one.
// `node build.mjs --request ./my-api.ts` also bundles your request module into the scenarios that
// send one request a turn, as dist/<scenario>.<module>.js beside the plain ones (lib/request.ts
// says what the module exports; harness/request-build.mjs checks it first).
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './harness/paths.mjs';
import { requestArg, requestBuilds } from './harness/request-build.mjs';
import { buildFacts } from './harness/build-facts.mjs';

const started = performance.now();
let request;
try {
  request = requestArg(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`floodgate build: ${err instanceof Error ? err.message : err}\n`);
  process.exit(2);
}
const scenarios = readdirSync(join(repoRoot, 'scenarios'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(repoRoot, 'scenarios', f));

/** What every scenario bundle is built with. */
const scenarioOptions = {
  bundle: true, // one file per scenario: `k6 run dist/echo.js` needs nothing else but thresholds.json
  format: /** @type {const} */ ('esm'), // k6 runs ES modules natively; `export const options` must survive as an export
  platform: /** @type {const} */ ('neutral'), // neither browser nor Node: k6 has no Node built-ins, so none are polyfilled
  target: 'es2020', // what k6's JS runtime (sobek) runs without transpiling surprises
  external: ['k6', 'k6/*'], // k6's built-in modules are resolved by k6 at run time, not bundled
  sourcemap: /** @type {const} */ ('linked'), // errors and stack traces point back into scenarios/*.ts and lib/*.ts
  minify: false, // dist/*.js stays readable: users read and debug what k6 actually ran
  logLevel: /** @type {const} */ ('warning'),
  write: false,
  // The commit a result came from (lib/provenance.ts): undefined outside a git clone.
  define: { __FLOODGATE_BUILD__: buildFacts() },
};

const built = await Promise.all([
  build({
    ...scenarioOptions,
    entryPoints: scenarios,
    outdir: join(repoRoot, 'dist'),
  }),
  build({
    entryPoints: [join(repoRoot, 'targets', 'cli.ts')],
    outfile: join(repoRoot, 'dist', 'targets.mjs'),
    bundle: true, // the targets and lib/reference-targets.ts in one file that starts fast
    format: 'esm', // matches package.json "type": "module"
    platform: 'node', // Node built-ins (node:http, node:cluster...) stay imports
    target: 'node20', // the Node version the pack supports (package.json engines)
    packages: 'external', // npm dependencies load from node_modules, as installed by npm ci
    sourcemap: 'linked', // stack traces of a crashing target point into targets/*.ts
    minify: false,
    logLevel: 'warning',
    write: false,
  }),
]);

// With --request: the scenarios that import the request module, built again with yours.
const withRequest = request ? await requestBuilds(request, scenarios, scenarioOptions) : { outputFiles: [], names: [] };

for (const file of [...built.flatMap((b) => b.outputFiles ?? []), ...withRequest.outputFiles]) {
  if (existsSync(file.path) && readFileSync(file.path).equals(file.contents)) continue;
  mkdirSync(dirname(file.path), { recursive: true });
  const aside = `${file.path}.${process.pid}.tmp`;
  writeFileSync(aside, file.contents);
  renameSync(aside, file.path);
}

// k6 writes handleSummary files relative to its working directory but does not create folders.
mkdirSync(join(repoRoot, 'results'), { recursive: true });
process.stderr.write(`floodgate: built ${scenarios.length} scenarios and the targets in ${Math.round(performance.now() - started)} ms\n`);
if (request) process.stderr.write(`floodgate: with the request module ${request.shown}: ${withRequest.names.join(', ')}\n`);
