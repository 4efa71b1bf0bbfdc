// @ts-check
// `npm run build -- --request ./my-api.ts`: your request module (lib/request.ts has its types)
// bundled into the scenarios that send one request a turn, in place of lib/k6/request-module.ts,
// as dist/<scenario>.<module>.js. Checked first, so a wrong module is a build error that says
// what is wrong, not a load test that sends nonsense: it must exist, export a default function
// (and may export setup), and, when it is TypeScript, type-check against lib/request.ts.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { repoRoot } from './paths.mjs';

const USAGE = 'usage: npm run build [-- --request <module.ts|.js>]';
const STUB = join(repoRoot, 'lib', 'k6', 'request-module.ts');
const NAMESPACE = 'floodgate-request';

/**
 * The request module named on the command line, or undefined without one.
 * @param {string[]} args
 * @returns {{ abs: string, shown: string, name: string } | undefined}
 */
export function requestArg(args) {
  /** @type {string | undefined} */
  let given;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--request') given = args[++i];
    else if (a?.startsWith('--request=')) given = a.slice('--request='.length);
    else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  if (given === undefined) return undefined;
  if (given === '') throw new Error(`--request needs a file; ${USAGE}`);
  // npm runs scripts in the package's root; INIT_CWD is where the user typed the command.
  const abs = resolve(process.env.INIT_CWD ?? process.cwd(), given);
  if (!existsSync(abs)) throw new Error(`--request ${given}: no such file (${abs})`);
  if (!['.ts', '.js', '.mjs'].includes(extname(abs))) throw new Error(`--request ${given}: a .ts, .js or .mjs module is expected`);
  return { abs, shown: given, name: basename(abs, extname(abs)).replace(/[^A-Za-z0-9_-]/g, '-') };
}

/**
 * Checks the module's exports and, for TypeScript, its types; throws an Error saying what is wrong.
 * @param {{ abs: string, shown: string }} request
 */
async function checkModule(request) {
  const r = await build({
    entryPoints: [request.abs],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['k6', 'k6/*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  }).catch((/** @type {{ message: string }} */ err) => {
    throw new Error(`--request ${request.shown} does not build: ${err.message}`);
  });
  const exports = Object.values(r.metafile.outputs)[0]?.exports ?? [];
  const wanted =
    'export default function request(ctx: RequestContext): RequestSpec (and, if it needs one, export function setup(ctx: RequestSetupContext))';
  if (!exports.includes('default')) {
    throw new Error(
      `--request ${request.shown} has no default export: it must ${wanted}, as lib/request.ts says; it exports ${exports.join(', ') || 'nothing'}`,
    );
  }
  const strays = exports.filter((e) => e !== 'default' && e !== 'setup');
  if (strays.length > 0)
    throw new Error(`--request ${request.shown} exports ${strays.join(', ')} besides default and setup; it must ${wanted}`);
  if (extname(request.abs) !== '.ts') return;
  const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
  const flags = ['--noEmit', '--strict', '--target', 'es2020', '--module', 'esnext', '--moduleResolution', 'bundler'];
  const typed = spawnSync(
    tsc,
    [
      ...flags,
      '--allowImportingTsExtensions',
      '--skipLibCheck',
      '--types',
      'k6',
      '--typeRoots',
      join(repoRoot, 'node_modules', '@types'),
      request.abs,
    ],
    { encoding: 'utf8' },
  );
  if (typed.status !== 0)
    throw new Error(`--request ${request.shown} does not type-check against lib/request.ts:\n${typed.stdout}${typed.stderr}`);
}

/**
 * The scenarios that send one request a turn, bundled with the module as dist/<scenario>.<module>.js.
 * @param {{ abs: string, shown: string, name: string }} request
 * @param {string[]} scenarios entry points
 * @param {import('esbuild').BuildOptions} options the scenarios' own build options
 */
export async function requestBuilds(request, scenarios, options) {
  try {
    await checkModule(request);
  } catch (err) {
    process.stderr.write(`floodgate build: ${err instanceof Error ? err.message : err}\n`);
    process.exit(2);
  }
  /** @type {import('esbuild').Plugin} */
  const swap = {
    name: 'floodgate-request-module',
    setup(b) {
      b.onResolve({ filter: /request-module\.ts$/ }, (args) =>
        resolve(args.resolveDir, args.path) === STUB ? { path: request.abs, namespace: NAMESPACE } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({
        contents:
          `import request, * as mod from ${JSON.stringify(request.abs)};\n` +
          `export const requestModule = { request, setup: mod.setup, file: ${JSON.stringify(request.shown)} };\n`,
        resolveDir: dirname(request.abs),
        loader: 'js',
      }));
    },
  };
  const r = await build({
    ...options,
    entryPoints: scenarios,
    outdir: join(repoRoot, 'dist'),
    entryNames: `[name].${request.name}`,
    metafile: true,
    plugins: [swap],
    // A module without setup: `mod.setup` is undefined, as meant.
    logOverride: { 'import-is-undefined': 'silent' },
  });
  // Only the scenarios that import the module get a bundle of their own with it.
  const users = Object.entries(r.metafile?.outputs ?? {})
    .filter(([, o]) => Object.keys(o.inputs).some((i) => i.startsWith(`${NAMESPACE}:`)))
    .map(([out]) => join(repoRoot, out));
  const outputFiles = (r.outputFiles ?? []).filter((f) => users.some((u) => f.path === u || f.path === `${u}.map`));
  return { outputFiles, names: users.map((u) => `dist/${basename(u)}`) };
}
