// @ts-check
// `npm run k6 -- <k6 args>`: runs the pinned k6, setting it up first if needed.
import { spawn } from 'node:child_process';
import { ensureK6 } from '../harness/k6-setup.mjs';
import { k6Env } from '../harness/k6-env.mjs';
import { ensureResultsDir } from '../harness/results-dir.mjs';

const args = process.argv.slice(2);
let bin;
try {
  bin = ensureK6();
  // k6 cannot create the results directory and loses the summaries when it is missing.
  if (args[0] === 'run') ensureResultsDir(args);
} catch (err) {
  process.stderr.write(`floodgate: ${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
}
const child = spawn(bin, args, { stdio: 'inherit', env: k6Env(process.env, process.cwd(), args) });
// k6 handles Ctrl-C itself (it stops the test and still writes the summary): pass signals on.
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
